#include "storage/tail_writer.h"

#include <algorithm>
#include <cerrno>
#include <numeric>

#include "storage/partition_log.h"
#include "storage/write_batch.h"

namespace fjord::storage {

std::vector<int64_t> write_tails_together(const std::vector<std::shared_ptr<PartitionLog>>& logs) {
  std::vector<int64_t> results(logs.size());
  if (logs.size() == 1) {
    results[0] = logs[0]->write_tails();
    return results;
  }
  std::vector<size_t> order(logs.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return logs[a].get() < logs[b].get(); });
  // A log can be queued twice (the Flusher clears its flag while a TailWriter
  // round still holds it): it is written once, and both get the answer.
  std::vector<size_t> same_as(logs.size());
  for (size_t k = 0; k < order.size(); ++k)
    same_as[order[k]] = k > 0 && logs[order[k]] == logs[order[k - 1]] ? same_as[order[k - 1]] : order[k];
  std::vector<PartitionLog::TailWriteJob> jobs(logs.size());
  for (size_t i : order)
    if (same_as[i] == i) logs[i]->begin_tail_write(jobs[i]);

  WriteBatch& batch = WriteBatch::for_this_thread();
  std::vector<int> errors(logs.size(), 0);
  std::vector<std::pair<size_t, size_t>> queued;  // (log, write index in the batch)
  for (size_t i = 0; i < logs.size(); ++i) {
    for (auto& p : jobs[i].plans) {
      if (p.write.empty()) continue;
      if (!p.tail->prepare(p.write)) {
        errors[i] = errno ? errno : EIO;
        break;
      }
      queued.emplace_back(i, batch.add(p.tail->write_fd(), &p.write.iov, p.write.file_pos));
    }
  }
  const std::vector<int> written = batch.run();
  for (auto [log, index] : queued)
    if (written[index] != 0 && errors[log] == 0) errors[log] = written[index];
  for (size_t i = 0; i < logs.size(); ++i)
    if (same_as[i] == i) results[i] = logs[i]->end_tail_write(jobs[i], errors[i] == 0, errors[i]);
  for (size_t i = 0; i < logs.size(); ++i) results[i] = results[same_as[i]];
  return results;
}

TailWriter::TailWriter(int threads)
    : lanes_("fj-tailwrite", size_t(std::max(threads, 1)),
             [](size_t, LogBatchWorker::Batch& batch) { write_tails_together(batch); },
             LogBatchWorker::OnStop::drain) {}

TailWriter::~TailWriter() { stop(); }

void TailWriter::schedule(std::shared_ptr<PartitionLog> log) { lanes_.schedule(std::move(log)); }

void TailWriter::stop() { lanes_.stop(); }

uint64_t TailWriter::rounds() const { return lanes_.rounds(); }

}  // namespace fjord::storage
