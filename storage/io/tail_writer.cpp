#include "storage/io/tail_writer.h"

#include <algorithm>
#include <numeric>

#include "storage/io/aio_writer.h"
#include "storage/io/thread_tail_round.h"
#include "storage/io/write_pipeline.h"

namespace fjord::storage {

std::vector<int64_t> write_tails_together(const std::vector<std::shared_ptr<WritePipeline>>& logs, bool wait,
                                          bool lazy) {
  std::vector<int64_t> results(logs.size());
  std::vector<size_t> order(logs.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return logs[a].get() < logs[b].get(); });
  // A log can be queued twice (the Flusher clears its flag while a TailWriter
  // round still holds it): it is written once, and both get the answer.
  std::vector<size_t> same_as(logs.size());
  for (size_t k = 0; k < order.size(); ++k)
    same_as[order[k]] = k > 0 && logs[order[k]] == logs[order[k - 1]] ? same_as[order[k - 1]] : order[k];
  // Write locks in address order, so rounds of different threads never wait
  // on each other in a cycle.
  std::vector<WritePipeline::TailSubmit> jobs(logs.size());
  for (size_t i : order)
    if (same_as[i] == i) logs[i]->begin_tail_submit(jobs[i], lazy && !wait);
  AioWriter::instance().submit();
  for (size_t i = 0; i < logs.size(); ++i)
    if (same_as[i] == i) results[i] = logs[i]->end_tail_submit(jobs[i]);
  for (auto& job : jobs) job.answer();
  if (wait)
    for (size_t i = 0; i < logs.size(); ++i)
      if (same_as[i] == i && results[i] >= 0) results[i] = logs[i]->wait_for_tail_writes(results[i]);
  for (size_t i = 0; i < logs.size(); ++i) results[i] = results[same_as[i]];
  return results;
}

TailWriter::TailWriter(int threads)
    : lanes_("fj-tailwrite", size_t(std::max(threads, 1)),
             [](size_t, LogBatchWorker::Batch& batch) { write_tails_together(batch, false); },
             LogBatchWorker::OnStop::drain) {}

TailWriter::~TailWriter() { stop(); }

void TailWriter::schedule(std::shared_ptr<WritePipeline> log, bool may_run_here) {
  if (ThreadTailRound* here = may_run_here ? ThreadTailRound::current() : nullptr) {
    here->add(std::move(log));
    return;
  }
  lanes_.schedule(std::move(log));
}

void TailWriter::stop() { lanes_.stop(); }

uint64_t TailWriter::rounds() const { return lanes_.rounds(); }

}  // namespace fjord::storage
