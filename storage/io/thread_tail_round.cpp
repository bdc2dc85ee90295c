#include "storage/io/thread_tail_round.h"

#include "storage/io/aio_writer.h"
#include "storage/io/tail_writer.h"

namespace fjord::storage {
namespace {
thread_local ThreadTailRound* t_round = nullptr;
}  // namespace

ThreadTailRound::ThreadTailRound(std::function<void()> arm) : arm_(std::move(arm)) {}

ThreadTailRound::~ThreadTailRound() {
  if (t_round == this) t_round = nullptr;
}

void ThreadTailRound::install(ThreadTailRound* round) { t_round = round; }

ThreadTailRound* ThreadTailRound::current() { return t_round; }

void ThreadTailRound::add(std::shared_ptr<WritePipeline> log) {
  const bool first = logs_.empty();
  logs_.push_back(std::move(log));
  if (first) arm_();
}

void ThreadTailRound::run() {
  // Earlier rounds' completions first, outside any write lock (a failed
  // write answers its waiters); logs that adds join this round.
  AioWriter::instance().reap_ready();
  std::vector<std::shared_ptr<WritePipeline>> logs;
  logs.swap(logs_);
  if (!logs.empty()) write_tails_together(logs, false, /*lazy=*/true);
}

}  // namespace fjord::storage
