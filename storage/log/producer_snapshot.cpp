#include "storage/log/producer_snapshot.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>

#include <spdlog/spdlog.h>

#include "protocol/records/crc32c.h"
#include "storage/file_ops.h"

namespace fjord::storage {
namespace {

constexpr int16_t kVersion = 1;
constexpr size_t kHeader = 2 + 4;       // version, crc
constexpr size_t kEntrySize = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;

void put(std::vector<uint8_t>& out, uint64_t v, int n) {
  size_t at = out.size();
  out.resize(at + size_t(n));
  protocol::detail::store_be(out.data() + at, v, n);
}
template <typename T>
T get(const uint8_t*& p, int n) {
  T v = T(protocol::detail::load_be(p, n));
  p += n;
  return v;
}

bool parse_name(const std::string& name, int64_t* offset) {
  if (name.size() != 20 + 9 || name.compare(20, 9, ".snapshot") != 0) return false;
  int64_t v = 0;
  for (size_t i = 0; i < 20; ++i) {
    if (name[i] < '0' || name[i] > '9' || v > (INT64_MAX - 9) / 10) return false;
    v = v * 10 + (name[i] - '0');
  }
  *offset = v;
  return true;
}

}  // namespace

std::vector<uint8_t> encode_producer_snapshot(const ProducerStateTable& table) {
  std::vector<uint8_t> out;
  out.reserve(kHeader + 4 + table.producers().size() * kEntrySize);
  put(out, uint16_t(kVersion), 2);
  put(out, 0, 4);  // crc, below
  put(out, uint32_t(table.producers().size()), 4);
  for (const auto& [pid, e] : table.producers()) {
    const ProducerBatch* last = e.last_batch();
    put(out, uint64_t(pid), 8);
    put(out, uint16_t(e.epoch), 2);
    put(out, uint32_t(last ? last->last_seq : -1), 4);
    put(out, uint64_t(last ? last->last_offset : -1), 8);
    put(out, uint32_t(last ? last->offset_delta : 0), 4);
    put(out, uint64_t(e.last_timestamp), 8);
    put(out, uint32_t(e.coordinator_epoch), 4);
    put(out, uint64_t(e.txn_first_offset), 8);
  }
  protocol::detail::store_be(out.data() + 2, protocol::crc32c(out.data() + kHeader, out.size() - kHeader), 4);
  return out;
}

bool decode_producer_snapshot(const uint8_t* data, size_t size, std::vector<ProducerEntry>* out) {
  if (size < kHeader + 4) return false;
  const uint8_t* p = data;
  if (get<int16_t>(p, 2) != kVersion) return false;
  if (get<uint32_t>(p, 4) != protocol::crc32c(data + kHeader, size - kHeader)) return false;
  const int32_t count = get<int32_t>(p, 4);
  if (count < 0 || size - kHeader - 4 != size_t(count) * kEntrySize) return false;
  out->clear();
  out->reserve(size_t(count));
  for (int32_t i = 0; i < count; ++i) {
    ProducerEntry e;
    e.producer_id = get<int64_t>(p, 8);
    e.epoch = get<int16_t>(p, 2);
    ProducerBatch b;
    b.last_seq = get<int32_t>(p, 4);
    b.last_offset = get<int64_t>(p, 8);
    b.offset_delta = get<int32_t>(p, 4);
    b.timestamp = get<int64_t>(p, 8);
    e.last_timestamp = b.timestamp;
    e.coordinator_epoch = get<int32_t>(p, 4);
    e.txn_first_offset = get<int64_t>(p, 8);
    if (b.last_seq >= 0 && b.last_offset >= 0) e.add_batch(b);
    out->push_back(e);
  }
  return true;
}

std::string producer_snapshot_path(const std::string& dir, int64_t offset) {
  char name[32];
  std::snprintf(name, sizeof name, "%020lld.snapshot", static_cast<long long>(offset));
  return dir + "/" + name;
}

Errc write_producer_snapshot(const std::string& dir, int64_t offset, const std::vector<uint8_t>& bytes, bool sync) {
  const std::string path = producer_snapshot_path(dir, offset);
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errc::io_error;
  bool ok = ::write(fd, bytes.data(), bytes.size()) == ssize_t(bytes.size());
  if (ok && sync) ok = ::fdatasync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Errc::io_error;
  }
  if (sync) fsync_dir(dir);
  return Errc::ok;
}

std::vector<int64_t> producer_snapshot_offsets(const std::string& dir) {
  std::vector<int64_t> offsets;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return offsets;
  while (dirent* ent = ::readdir(d)) {
    int64_t o;
    if (parse_name(ent->d_name, &o)) offsets.push_back(o);
  }
  ::closedir(d);
  std::sort(offsets.begin(), offsets.end());
  return offsets;
}

std::optional<int64_t> load_latest_producer_snapshot(const std::string& dir, int64_t max_offset,
                                                     ProducerStateTable* table) {
  auto offsets = producer_snapshot_offsets(dir);
  for (auto it = offsets.rbegin(); it != offsets.rend(); ++it) {
    if (*it > max_offset) continue;
    std::ifstream in(producer_snapshot_path(dir, *it), std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<ProducerEntry> entries;
    if (!decode_producer_snapshot(bytes.data(), bytes.size(), &entries)) {
      spdlog::warn("storage: {}: producer snapshot {} is not valid, skipping it", dir, *it);
      continue;
    }
    table->clear();
    for (const auto& e : entries) table->load_entry(e);
    return *it;
  }
  return std::nullopt;
}

void delete_producer_snapshots_above(const std::string& dir, int64_t offset) {
  for (int64_t o : producer_snapshot_offsets(dir))
    if (o > offset) ::unlink(producer_snapshot_path(dir, o).c_str());
}

void delete_old_producer_snapshots(const std::string& dir, size_t keep) {
  auto offsets = producer_snapshot_offsets(dir);
  for (size_t i = 0; i + keep < offsets.size(); ++i) ::unlink(producer_snapshot_path(dir, offsets[i]).c_str());
}

}  // namespace fjord::storage
