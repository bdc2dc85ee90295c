#pragma once
// Helpers for storage tests: temp dirs under the build tree and batch bytes.
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "protocol/records/record_batch.h"
#include "protocol/records/record_batch_builder.h"
#include "protocol/wire/writer.h"
#include "storage/file_ops.h"

namespace fjord::storage::test {

class TempDir {
 public:
  TempDir() {
    auto base = std::filesystem::temp_directory_path();
    if (const char* t = std::getenv("FJORD_TEST_TMP")) base = t;
    path_ = (base / ("fjord-storage-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++))).string();
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  static int& counter() {
    static int c = 0;
    return c;
  }
  std::string path_;
};

// A batch of `n` records with keys "<key_prefix><i>" and values
// "<value>-<i>", timestamps ts, ts+1, ...
inline std::vector<uint8_t> make_batch(int n, int64_t ts, const std::string& key_prefix = "k",
                                       const std::string& value = "v",
                                       protocol::Compression c = protocol::Compression::none) {
  protocol::BatchOptions o;
  o.compression = c;
  protocol::RecordBatchBuilder b(o);
  for (int i = 0; i < n; ++i) {
    std::string k = key_prefix + std::to_string(i);
    std::string v = value + "-" + std::to_string(i);
    b.add(ts + i, k, v);
  }
  return b.build();
}

inline protocol::RecordBatchView view_of(std::vector<uint8_t>& bytes) {
  protocol::RecordBatchView v;
  protocol::RecordBatchView::parse(bytes.data(), bytes.size(), &v);
  return v;
}

// The bytes a FileSlice points at.
inline std::vector<uint8_t> slice_bytes(const protocol::FileSlice& s) {
  std::vector<uint8_t> out(s.length);
  if (s.memory) std::copy(s.memory, s.memory + s.length, out.begin());  // an in-memory tail
  else if (s.length && !pread_all(s.fd, out.data(), s.length, s.position)) out.clear();
  return out;
}

// Splits concatenated batches into (base offset, last offset) pairs.
inline std::vector<std::pair<int64_t, int64_t>> batch_offsets(std::vector<uint8_t> bytes) {
  std::vector<std::pair<int64_t, int64_t>> out;
  size_t pos = 0;
  while (pos < bytes.size()) {
    protocol::RecordBatchView v;
    if (protocol::RecordBatchView::parse(bytes.data() + pos, bytes.size() - pos, &v) != protocol::BatchError::ok)
      break;
    out.emplace_back(v.base_offset(), v.last_offset());
    pos += v.total_size();
  }
  return out;
}

}  // namespace fjord::storage::test
