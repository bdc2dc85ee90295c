#include "storage/log/leader_epoch_cache.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "storage/file_ops.h"

namespace fjord::storage {

namespace {
// One whole token of `line` from `pos` as an integer; false on anything else.
template <typename T>
bool parse_number(const std::string& line, size_t* pos, T* out) {
  while (*pos < line.size() && line[*pos] == ' ') ++*pos;
  const char* first = line.data() + *pos;
  const char* last = line.data() + line.size();
  auto [ptr, ec] = std::from_chars(first, last, *out);
  if (ec != std::errc() || ptr == first) return false;
  *pos = size_t(ptr - line.data());
  return true;
}

// Kafka's assign without the file write: true when `entries` changed.
bool assign_entry(std::vector<EpochEntry>& entries, EpochEntry e) {
  if (!entries.empty() && entries.back().epoch == e.epoch && e.start_offset >= entries.back().start_offset)
    return false;
  while (!entries.empty() && (entries.back().epoch >= e.epoch || entries.back().start_offset >= e.start_offset))
    entries.pop_back();
  entries.push_back(e);
  return true;
}
}  // namespace

std::string LeaderEpochCache::format(const std::vector<EpochEntry>& entries) {
  std::string text = "0\n" + std::to_string(entries.size()) + "\n";
  for (const auto& e : entries) text += std::to_string(e.epoch) + " " + std::to_string(e.start_offset) + "\n";
  return text;
}

std::optional<std::vector<EpochEntry>> LeaderEpochCache::parse(const std::string& text) {
  std::vector<std::string> lines;
  size_t from = 0;
  while (from < text.size()) {
    size_t nl = text.find('\n', from);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(from, nl - from));
    from = nl + 1;
  }
  auto whole_number = [](const std::string& line, int64_t* out) {
    size_t pos = 0;
    return parse_number(line, &pos, out) && pos == line.size();
  };
  int64_t version = -1, count = -1;
  if (lines.size() < 2 || !whole_number(lines[0], &version) || version != 0 || !whole_number(lines[1], &count) ||
      count != int64_t(lines.size() - 2))
    return std::nullopt;
  std::vector<EpochEntry> entries;
  for (size_t i = 2; i < lines.size(); ++i) {
    EpochEntry e;
    size_t pos = 0;
    if (!parse_number(lines[i], &pos, &e.epoch) || !parse_number(lines[i], &pos, &e.start_offset) ||
        pos != lines[i].size() || e.epoch < 0 || e.start_offset < 0)
      return std::nullopt;
    // Kafka's cache assigns each entry read, which keeps them increasing.
    assign_entry(entries, e);
  }
  return entries;
}

std::unique_ptr<LeaderEpochCache> LeaderEpochCache::load(const std::string& dir, bool* malformed) {
  std::unique_ptr<LeaderEpochCache> cache(new LeaderEpochCache(dir + "/" + kFileName));
  if (malformed) *malformed = false;
  std::string text;
  if (!read_small_file(cache->path_, &text)) return cache;  // missing: empty
  if (auto entries = parse(text)) cache->entries_ = std::move(*entries);
  else if (malformed) *malformed = true;
  return cache;
}

Errc LeaderEpochCache::write_locked(bool durable) {
  const std::string text = format(entries_);
  if (durable) return write_file_atomic(path_, text);
  // A new partition's first entry: the caller's directory fsync covers the
  // name, and a file a crash left empty is rebuilt on the next open.
  const std::string tmp = path_ + ".tmp";
  FileHandle f(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!f.valid() || !pwrite_all(f.get(), text.data(), text.size(), 0)) return Errc::io_error;
  f.reset();
  return ::rename(tmp.c_str(), path_.c_str()) == 0 ? Errc::ok : Errc::io_error;
}

Errc LeaderEpochCache::assign(int32_t epoch, int64_t start_offset, bool durable) {
  if (epoch < 0 || start_offset < 0) return Errc::invalid_request;
  std::lock_guard lk(mu_);
  if (!assign_entry(entries_, {epoch, start_offset})) return Errc::ok;
  return write_locked(durable);
}

Errc LeaderEpochCache::truncate_from_end(int64_t end_offset) {
  std::lock_guard lk(mu_);
  if (end_offset < 0 || entries_.empty() || entries_.back().start_offset < end_offset) return Errc::ok;
  while (!entries_.empty() && entries_.back().start_offset >= end_offset) entries_.pop_back();
  return write_locked(true);
}

Errc LeaderEpochCache::truncate_from_start(int64_t start_offset) {
  std::lock_guard lk(mu_);
  // The last entry starting at or below start_offset; everything before it goes.
  auto after = std::upper_bound(entries_.begin(), entries_.end(), start_offset,
                                [](int64_t o, const EpochEntry& e) { return o < e.start_offset; });
  if (after == entries_.begin()) return Errc::ok;
  const auto first = std::prev(after);
  if (first == entries_.begin() && first->start_offset == start_offset) return Errc::ok;  // nothing changes
  EpochEntry moved{first->epoch, start_offset};
  entries_.erase(entries_.begin(), after);
  entries_.insert(entries_.begin(), moved);
  return write_locked(true);
}

Errc LeaderEpochCache::clear() {
  std::lock_guard lk(mu_);
  if (entries_.empty()) return Errc::ok;
  entries_.clear();
  return write_locked(true);
}

std::pair<int32_t, int64_t> LeaderEpochCache::end_offset_for(int32_t epoch, int64_t log_end_offset) const {
  std::lock_guard lk(mu_);
  const std::pair<int32_t, int64_t> undefined{kUndefinedEpoch, kUndefinedOffset};
  if (epoch == kUndefinedEpoch) return undefined;
  // The latest epoch is the one still being written to: it ends at the log end.
  if (!entries_.empty() && entries_.back().epoch == epoch) return {epoch, log_end_offset};
  auto higher = std::upper_bound(entries_.begin(), entries_.end(), epoch,
                                 [](int32_t e, const EpochEntry& x) { return e < x.epoch; });
  if (higher == entries_.end()) return undefined;
  // Below every known epoch: the first known start (the log below it is gone).
  if (higher == entries_.begin()) return {epoch, higher->start_offset};
  return {std::prev(higher)->epoch, higher->start_offset};
}

std::optional<EpochEntry> LeaderEpochCache::latest() const {
  std::lock_guard lk(mu_);
  if (entries_.empty()) return std::nullopt;
  return entries_.back();
}

std::optional<EpochEntry> LeaderEpochCache::earliest() const {
  std::lock_guard lk(mu_);
  if (entries_.empty()) return std::nullopt;
  return entries_.front();
}

std::vector<EpochEntry> LeaderEpochCache::entries() const {
  std::lock_guard lk(mu_);
  return entries_;
}

}  // namespace fjord::storage
