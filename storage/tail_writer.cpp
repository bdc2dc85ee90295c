#include "storage/tail_writer.h"

#include <algorithm>

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
  const size_t i = LogBatchWorker::lane_of(*log, workers_.size());
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
