#pragma once
// Walks the whole record batches stored in one byte range of a segment (its
// file, or memory holding that range, such as an in-memory tail), copying
// them in chunks into a buffer of its own. For readers that keep or rework
// what they read (compaction, LogBatchReader); the fetch path sends slices
// without copying instead. Not thread-safe.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "protocol/records/record_batch.h"
#include "storage/errc.h"

namespace fjord::storage {

class SegmentRangeReader {
 public:
  static constexpr size_t kDefaultChunkBytes = 1 << 20;
  // `chunk_bytes`: how much is read at a time (a bigger batch is read whole).
  explicit SegmentRangeReader(size_t chunk_bytes = kDefaultChunkBytes);

  // Batches stored in [from, to) of `fd`; when `memory` is given it holds
  // that range (memory[0] is position `from`) and is read instead of the file.
  void reset(int fd, uint64_t from, uint64_t to, const uint8_t* memory = nullptr);
  // The next whole batch, parsed (framing and magic; the CRC is not checked).
  // *out points into this reader's buffer until the next call. False at the
  // end of the range, and at a batch that does not parse, does not fit in
  // the range or cannot be read: error() says which.
  bool next(protocol::RecordBatchView* out);
  // Why next() returned false: ok at the end of the range, corrupt_message
  // for a torn or malformed batch, io_error when the file could not be read.
  Errc error() const { return error_; }
  // File position of the batch next() returned last.
  uint64_t position() const { return position_; }

 private:
  // Makes `n` bytes from position next_ available in the buffer.
  bool fill(size_t n);

  const size_t chunk_bytes_;
  int fd_ = -1;
  const uint8_t* memory_ = nullptr;
  uint64_t from_ = 0;  // position of memory_[0]
  uint64_t to_ = 0;
  uint64_t next_ = 0;  // position of the next batch
  uint64_t position_ = 0;
  std::vector<uint8_t> buf_;
  uint64_t buf_pos_ = 0;   // file position of buf_[0]
  size_t buf_len_ = 0;     // bytes of buf_ holding data
  Errc error_ = Errc::ok;
};

}  // namespace fjord::storage
