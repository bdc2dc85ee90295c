#include "storage/io/flusher.h"

#include <fcntl.h>
#include <cerrno>
#include <unistd.h>

#include <filesystem>
#include <algorithm>
#include <map>
#include <string>

#include "storage/io/sync_batch.h"
#include "storage/io/tail_writer.h"
#include "storage/io/write_pipeline.h"
#include "storage/log/segment.h"

namespace fjord::storage {

Flusher::Flusher(int lanes)
    : dir_fds_(size_t(std::max(lanes, 1))),
      lanes_("fj-flush", dir_fds_.size(), [this](size_t lane, LogBatchWorker::Batch& batch) { round(dir_fds_[lane], batch); },
             LogBatchWorker::OnStop::drain) {}

Flusher::~Flusher() { stop(); }

void Flusher::schedule(std::shared_ptr<WritePipeline> log) { lanes_.schedule(std::move(log)); }

void Flusher::stop() { lanes_.stop(); }

uint64_t Flusher::rounds() const { return lanes_.rounds(); }

void Flusher::round(DirFds& dir_fds, LogBatchWorker::Batch& batch) {
  // Everything queued while the previous round was syncing shares this one.
  if (batch.size() >= kSyncfsMinLogs) {
    sync_together(dir_fds, batch);
    return;
  }
  // The tails first, then every fdatasync of the round in flight together
  // (one after another, a round of 4 logs waited for 4 journal commits).
  const std::vector<int64_t> written = write_tails_together(batch);
  SyncBatch& syncs = SyncBatch::for_this_thread();
  std::vector<int64_t> targets(batch.size(), -1);
  std::vector<std::pair<size_t, size_t>> queued;  // (log, index in syncs)
  for (size_t i = 0; i < batch.size(); ++i) {
    if (written[i] < 0) continue;
    std::vector<std::shared_ptr<Segment>> dirty;
    targets[i] = batch[i]->begin_sync(&dirty);
    for (auto& seg : dirty) queued.emplace_back(i, syncs.add(seg->fd()));
  }
  const std::vector<int> synced = syncs.run();
  std::vector<int> error(batch.size(), 0);
  for (auto [log, index] : queued)
    if (synced[index] != 0) error[log] = synced[index];
  for (size_t i = 0; i < batch.size(); ++i) {
    errno = error[i];  // finish_sync logs it
    const int64_t durable = written[i] < 0 ? -1 : batch[i]->finish_sync(targets[i], error[i] == 0);
    batch[i]->complete_waiters(durable, durable >= 0);
  }
}

void Flusher::sync_together(DirFds& dir_fds, const LogBatchWorker::Batch& batch) {
  // One fdatasync per log costs one journal commit each: with 1000 dirty
  // partitions a round took seconds and acks=all latency grew without bound.
  // syncfs() writes back and commits everything on the filesystem at once.
  std::vector<int64_t> targets(batch.size());
  std::vector<bool> written(batch.size());
  std::map<std::string, bool> dirs;  // log dir (parent of the partition dir) -> synced
  const std::vector<int64_t> tails = write_tails_together(batch);  // in-memory tails go to the files first
  for (size_t i = 0; i < batch.size(); ++i) {
    written[i] = tails[i] >= 0;
    targets[i] = batch[i]->begin_sync(nullptr);
    dirs[std::filesystem::path(batch[i]->dir()).parent_path().string()] = false;
  }
  for (auto& [dir, ok] : dirs) {
    // Kept open: syncfs() reports writeback errors since its fd was opened,
    // so a fresh fd would miss an error from background writeback between rounds.
    FileHandle& fd = dir_fds[dir];
    if (!fd.valid()) fd = FileHandle(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ok = fd.valid() && ::syncfs(fd.get()) == 0;
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    bool ok = written[i] && dirs[std::filesystem::path(batch[i]->dir()).parent_path().string()];
    int64_t durable = batch[i]->finish_sync(targets[i], ok);
    batch[i]->complete_waiters(durable, durable >= 0);
  }
}

}  // namespace fjord::storage
