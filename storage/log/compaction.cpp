// Log compaction (cleanup.policy=compact): keeps the latest record per key,
// drops tombstones older than delete.retention.ms, never touches the active
// segment nor anything past the last stable offset. Transactions as Kafka's
// cleaner treats them: aborted transactional batches go, an abort marker
// stays (with its .txnindex entry) while a pass still removed data of its
// transaction, and markers of transactions without data left go once
// older than delete.retention.ms. Each producer's last batch stays, so its
// state can be rebuilt from the log. Runs on the LogManager's cleaner thread with a bounded key map
// (OffsetMap). Rewritten segments are swapped in crash-safely:
//   1. write <base>.{log,index,timeindex}.cleaned and fsync them;
//   2. write cleaner-swap ("<base> <end>") atomically;
//   3. delete the replaced segments (bases in [base, end)), rename .cleaned
//      files to their final names, remove cleaner-swap.
// On open, a cleaner-swap whose .log.cleaned still exists is redone from 3.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <dirent.h>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "protocol/records/record_batch_builder.h"
#include "protocol/records/record_reader.h"
#include "storage/file_ops.h"
#include "storage/log/offset_map.h"
#include "storage/log/partition_log.h"
#include "storage/log/segment.h"
#include "storage/log/segment_range_reader.h"

namespace fjord::storage {

using protocol::RecordBatchView;

namespace {
constexpr const char* kSwapMarker = "/cleaner-swap";

std::string seg_file(const std::string& dir, int64_t base, const char* ext) {
  return dir + "/" + offset_file_name(base, ext);
}

// Kafka's CleanedTransactionMetadata: walks batches in offset order with the
// aborted transactions of the range (from the .txnindex files).
class TxnCleaning {
 public:
  explicit TxnCleaning(std::vector<AbortedTxn> aborted) : aborted_(std::move(aborted)) {
    std::sort(aborted_.begin(), aborted_.end(),
              [](const AbortedTxn& a, const AbortedTxn& b) { return a.first_offset < b.first_offset; });
  }
  // A data batch: true when it belongs to an aborted transaction.
  bool aborted_data(const RecordBatchView& v) {
    start_up_to(v.last_offset());
    if (!v.transactional()) return false;
    if (auto it = ongoing_aborted_.find(v.producer_id()); it != ongoing_aborted_.end()) {
      it->second.observed = true;
      return true;
    }
    ongoing_committed_.insert(v.producer_id());
    return false;
  }
  // A marker: true when no data of its transaction was seen in this pass
  // (it may go once past the delete horizon). *entry: an abort marker's
  // .txnindex entry, when it stays.
  bool marker_without_data(const RecordBatchView& v, std::optional<AbortedTxn>* entry) {
    start_up_to(v.last_offset());
    bool abort = false;
    int32_t coordinator_epoch = 0;
    if (!ProducerStateTable::parse_marker(v, &abort, &coordinator_epoch)) return false;
    if (!abort) return ongoing_committed_.erase(v.producer_id()) == 0;
    auto it = ongoing_aborted_.find(v.producer_id());
    if (it == ongoing_aborted_.end()) return true;
    const bool observed = it->second.observed;
    *entry = it->second.txn;
    ongoing_aborted_.erase(it);
    return !observed;
  }

 private:
  void start_up_to(int64_t offset) {
    while (next_ < aborted_.size() && aborted_[next_].first_offset <= offset) {
      ongoing_aborted_[aborted_[next_].producer_id] = {aborted_[next_], false};
      ++next_;
    }
  }
  struct Ongoing {
    AbortedTxn txn;
    bool observed = false;
  };
  std::vector<AbortedTxn> aborted_;
  size_t next_ = 0;
  std::unordered_map<int64_t, Ongoing> ongoing_aborted_;
  std::unordered_set<int64_t> ongoing_committed_;
};
}  // namespace

Errc PartitionLog::finish_interrupted_swap() {
  std::string marker = dir_ + kSwapMarker;
  std::string text;
  if (!read_small_file(marker, &text)) return Errc::ok;
  long long base = -1, end = -1;
  if (std::sscanf(text.c_str(), "%lld %lld", &base, &end) == 2 && base >= 0 && end > base &&
      file_exists(seg_file(dir_, base, ".log") + ".cleaned")) {
    spdlog::warn("storage: {}-{}: completing interrupted compaction swap of [{}, {})", topic_, partition_, base, end);
    DIR* d = ::opendir(dir_.c_str());
    if (!d) return Errc::io_error;
    std::vector<int64_t> doomed;
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n.size() == 24 && n.compare(20, 4, ".log") == 0) {
        int64_t b = std::strtoll(n.substr(0, 20).c_str(), nullptr, 10);
        if (b >= base && b < end) doomed.push_back(b);
      }
    }
    ::closedir(d);
    for (int64_t b : doomed)
      for (const char* ext : {".log", ".index", ".timeindex", ".txnindex"}) ::unlink(seg_file(dir_, b, ext).c_str());
    for (const char* ext : {".index", ".timeindex", ".txnindex", ".log"}) {
      std::string from = seg_file(dir_, base, ext) + ".cleaned";
      if (file_exists(from) && ::rename(from.c_str(), seg_file(dir_, base, ext).c_str()) != 0) return Errc::io_error;
    }
  }
  ::unlink(marker.c_str());
  return fsync_dir(dir_) ? Errc::ok : Errc::io_error;
}

Errc PartitionLog::compact(int64_t now_ms, size_t map_budget_bytes, bool force) {
  struct Src {
    std::shared_ptr<Segment> seg;
    uint64_t size;
    int64_t next;
    int64_t largest_ts;
  };
  std::vector<Src> src;
  LogConfig cfg;
  uint64_t gen;
  int64_t first_dirty;
  std::unordered_set<int64_t> producers_last_batches;  // last offsets: those batches stay
  {
    std::lock_guard lk(mu_);
    if (closed_ || !config_.cleanup_compact || compacting_ || segments_.size() < 2) return Errc::ok;
    cfg = config_;
    gen = generation_;
    first_dirty = first_dirty_offset_;
    for (auto it = segments_.begin(); std::next(it) != segments_.end(); ++it) {
      auto& s = it->second;
      // Only data below the last stable offset is cleanable (Kafka's firstUncleanableOffset).
      if (s->next_offset() > lso_.load(std::memory_order_acquire)) break;
      if (s->tail()) break;  // still being written (segment_tail.h); read below only from files
      if (!force && now_ms - s->largest_timestamp_or_mtime() < cfg.min_compaction_lag_ms) break;
      src.push_back({s, s->size(), s->next_offset(), s->largest_timestamp_or_mtime()});
    }
    if (src.empty()) return Errc::ok;
    for (const auto& [pid, e] : producers_.producers())
      if (const ProducerBatch* b = e.last_batch()) producers_last_batches.insert(b->last_offset);
    compacting_ = true;
  }
  struct Reset {
    PartitionLog* log;
    ~Reset() {
      std::lock_guard lk(log->mu_);
      log->compacting_ = false;
    }
  } reset{this};

  uint64_t total = 0, dirty = 0;
  for (auto& s : src) {
    total += s.size;
    if (s.next > first_dirty) dirty += s.size;
  }
  if (dirty == 0 || (!force && double(dirty) / double(total) < cfg.min_cleanable_dirty_ratio)) return Errc::ok;

  const std::vector<AbortedTxn> aborted = aborted_transactions(src.front().seg->base_offset(), src.back().next);
  // 1. Latest offset per key over the dirty range, within the memory budget.
  // Aborted records never shadow earlier values.
  OffsetMap map(map_budget_bytes);
  TxnCleaning map_txns(aborted);
  // The cleaner copies what it reads (it re-encodes), from the files only:
  // segments with tails are not cleaned. A batch that cannot be read ends
  // its segment's walk.
  SegmentRangeReader reader;
  std::vector<uint8_t> scratch;
  int64_t map_end = -1;  // records below are mapped
  bool stopped = false;
  for (auto& s : src) {
    if (s.next <= first_dirty) continue;
    reader.reset(s.seg->fd(), 0, s.size);
    RecordBatchView v;
    while (!stopped && reader.next(&v)) {
      if (!v.control() && !map_txns.aborted_data(v)) {
        protocol::RecordReader rr;
        if (rr.open(v, scratch) != protocol::BatchError::ok) {
          spdlog::error("storage: {}-{}: compaction cannot read batch at offset {}", topic_, partition_,
                        v.base_offset());
          return Errc::corrupt_message;
        }
        protocol::Record r;
        while (rr.next(&r)) {
          if (r.key.is_null()) continue;
          if (!map.put(OffsetMap::hash_key(r.key.view()), r.offset)) {
            stopped = true;
            map_end = r.offset;
            break;
          }
        }
      }
      if (!stopped) map_end = v.last_offset() + 1;
    }
    if (stopped) break;
    map_end = std::max(map_end, s.next);
  }
  // Only segments wholly covered by the map are rewritten.
  std::vector<Src> cleanable;
  for (auto& s : src)
    if (s.next <= map_end) cleanable.push_back(s);
  if (cleanable.empty()) {
    spdlog::warn("storage: {}-{}: compaction key map too small for one segment", topic_, partition_);
    return Errc::ok;
  }

  // 2. Rewrite in groups that fit one segment.
  SegmentOptions opt;
  opt.index_interval_bytes = cfg.index_interval_bytes;
  opt.segment_index_bytes = cfg.segment_index_bytes;
  opt.segment_bytes = cfg.segment_bytes;
  const int64_t tombstone_horizon = now_ms - cfg.delete_retention_ms;
  protocol::RecordBatchBuilder builder;
  std::vector<protocol::Record> kept;
  std::vector<protocol::HeaderField> headers;
  std::vector<uint8_t> rebuilt;
  uint64_t bytes_before = 0, bytes_after = 0;
  TxnCleaning txns(aborted);
  size_t i = 0;
  while (i < cleanable.size()) {
    size_t j = i;
    uint64_t group_bytes = 0;
    while (j < cleanable.size() && (j == i || (group_bytes + cleanable[j].size <= uint64_t(cfg.segment_bytes) &&
                                               cleanable[j].next - cleanable[i].seg->base_offset() <= INT32_MAX)))
      group_bytes += cleanable[j++].size;
    const int64_t base = cleanable[i].seg->base_offset();
    std::unique_ptr<Segment> out;
    if (Segment::create(dir_, base, opt, now_ms, &out, ".cleaned") != Errc::ok) return Errc::io_error;
    for (size_t k = i; k < j; ++k) {
      auto& s = cleanable[k];
      reader.reset(s.seg->fd(), 0, s.size);
      RecordBatchView v;
      while (reader.next(&v)) {
        bytes_before += v.total_size();
        if (v.control()) {
          std::optional<AbortedTxn> entry;
          if (txns.marker_without_data(v, &entry) && s.largest_ts < tombstone_horizon) continue;
          if (out->append(v, now_ms) != Errc::ok || (entry && out->txn_index().append(*entry) != Errc::ok)) {
            out->remove_files();
            return Errc::io_error;
          }
          bytes_after += v.total_size();
          continue;
        }
        const bool producers_last = v.producer_id() >= 0 && producers_last_batches.count(v.last_offset());
        if (txns.aborted_data(v) && !producers_last) continue;
        protocol::RecordReader rr;
        if (rr.open(v, scratch) != protocol::BatchError::ok) { out->remove_files(); return Errc::corrupt_message; }
        kept.clear();
        protocol::Record r;
        int32_t seen = 0;
        while (rr.next(&r)) {
          ++seen;
          if (r.key.is_null()) continue;  // Kafka drops keyless records when compacting
          int64_t latest = map.get(OffsetMap::hash_key(r.key.view()));
          if (latest > r.offset) continue;
          if (r.value.is_null() && s.largest_ts < tombstone_horizon) continue;
          kept.push_back(r);
        }
        if (kept.empty() && !producers_last) continue;
        if (int32_t(kept.size()) == seen || kept.empty()) {
          if (out->append(v, now_ms) != Errc::ok) { out->remove_files(); return Errc::io_error; }
          bytes_after += v.total_size();
          continue;
        }
        protocol::BatchOptions bo;
        bo.compression = v.compression();
        bo.base_offset = v.base_offset();
        bo.partition_leader_epoch = v.partition_leader_epoch();
        bo.producer_id = v.producer_id();
        bo.producer_epoch = v.producer_epoch();
        bo.base_sequence = v.base_sequence();
        bo.transactional = v.transactional();
        if (v.log_append_time()) bo.log_append_time = v.max_timestamp();
        builder.reset(bo);
        for (auto& kr : kept) {
          headers.clear();
          auto hi = kr.header_iterator();
          protocol::RecordHeader h;
          while (hi.next(&h))
            headers.push_back({h.key.view(), h.value.is_null() ? std::nullopt : std::optional(h.value.view())});
          builder.add_at(kr.offset_delta, kr.timestamp, std::optional(kr.key.view()),
                         kr.value.is_null() ? std::nullopt : std::optional(kr.value.view()), headers);
        }
        rebuilt.clear();
        RecordBatchView nv;
        if (builder.finish(rebuilt) != protocol::BatchError::ok ||
            RecordBatchView::parse(rebuilt.data(), rebuilt.size(), &nv) != protocol::BatchError::ok ||
            out->append(nv, now_ms) != Errc::ok) {
          out->remove_files();
          return Errc::io_error;
        }
        bytes_after += nv.total_size();
      }
    }
    if (out->seal() != Errc::ok || out->sync_log() != Errc::ok || out->sync_indexes() != Errc::ok) {
      out->remove_files();
      return Errc::io_error;
    }
    // 3. Swap under the partition lock, unless the log changed meanwhile.
    {
      std::lock_guard lk(mu_);
      bool same = generation_ == gen && !closed_;
      for (size_t k = i; same && k < j; ++k) {
        auto it = segments_.find(cleanable[k].seg->base_offset());
        same = it != segments_.end() && it->second == cleanable[k].seg && std::next(it) != segments_.end();
      }
      if (!same) {
        out->remove_files();
        return Errc::ok;
      }
      const int64_t end = cleanable[j - 1].next;
      if (write_file_atomic(dir_ + kSwapMarker, std::to_string(base) + " " + std::to_string(end)) != Errc::ok) {
        out->remove_files();
        return Errc::io_error;
      }
      for (size_t k = i; k < j; ++k) remove_segment_locked(cleanable[k].seg->base_offset());
      if (out->rename_final(".cleaned") != Errc::ok) return Errc::io_error;  // redone on next open
      segments_[base] = std::shared_ptr<Segment>(std::move(out));
      ::unlink((dir_ + kSwapMarker).c_str());
      fsync_dir(dir_);
    }
    i = j;
  }
  {
    std::lock_guard lk(mu_);
    first_dirty_offset_ = std::max(first_dirty_offset_, map_end);
  }
  spdlog::info("storage: {}-{}: compacted {} segments, {} -> {} bytes", topic_, partition_, cleanable.size(),
               bytes_before, bytes_after);
  return Errc::ok;
}

}  // namespace fjord::storage
