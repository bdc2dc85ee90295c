#include "storage/tail_writer.h"

#include "storage/partition_log.h"

namespace fjord::storage {

TailWriter::TailWriter(int threads)
    : lanes_("fj-tailwrite", size_t(std::max(threads, 1)),
             [](size_t, LogBatchWorker::Batch& batch) {
               for (auto& log : batch) log->write_tails();
             },
             LogBatchWorker::OnStop::drain) {}

TailWriter::~TailWriter() { stop(); }

void TailWriter::schedule(std::shared_ptr<PartitionLog> log) { lanes_.schedule(std::move(log)); }

void TailWriter::stop() { lanes_.stop(); }

uint64_t TailWriter::rounds() const { return lanes_.rounds(); }

}  // namespace fjord::storage
