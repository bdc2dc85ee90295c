#include "storage/tail_writer.h"

#include <algorithm>
#include <functional>
#include <string>

#include "storage/partition_log.h"

namespace fjord::storage {

TailWriter::TailWriter(int threads) {
  for (int i = 0; i < std::max(threads, 1); ++i)
    workers_.push_back(std::make_unique<LogBatchWorker>(
        [](LogBatchWorker::Batch& batch) {
          for (auto& log : batch) log->write_tails();
        },
        LogBatchWorker::OnStop::drain));
}

TailWriter::~TailWriter() { stop(); }

void TailWriter::schedule(std::shared_ptr<PartitionLog> log) {
  const size_t i = (std::hash<std::string>{}(log->topic()) + size_t(log->partition())) % workers_.size();
  workers_[i]->schedule(std::move(log));
}

void TailWriter::stop() {
  for (auto& w : workers_) w->stop();
}

uint64_t TailWriter::rounds() const {
  uint64_t n = 0;
  for (auto& w : workers_) n += w->rounds();
  return n;
}

}  // namespace fjord::storage
