#pragma once
// Writes one magic-2 record batch: any codec, nullable keys and values,
// headers, timestamps, producer id/epoch/sequence, transactional and
// control flags. Used by tests, legacy up-conversion and the broker (e.g.
// transaction markers). Records are encoded into an internal buffer that a
// reset() keeps, so a reused builder does not allocate per batch.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "protocol/records/record_batch.h"
#include "protocol/wire/writer.h"

namespace fjord::protocol {

struct BatchOptions {
  Compression compression = Compression::none;
  int64_t base_offset = 0;
  int32_t partition_leader_epoch = -1;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  bool transactional = false;
  bool control = false;
  // LogAppendTime batches store this as maxTimestamp.
  std::optional<int64_t> log_append_time;
};

struct HeaderField {
  std::string_view key;
  std::optional<std::string_view> value;
};

// Control record types (the key of a record in a control batch).
enum class ControlType : int16_t { abort = 0, commit = 1 };

class RecordBatchBuilder {
 public:
  explicit RecordBatchBuilder(BatchOptions options = {}) : options_(options) {}

  // Starts a new batch with new options, keeping buffers.
  void reset(BatchOptions options);

  // Appends a record with the next offset delta (0, 1, 2, ...).
  void add(int64_t timestamp, std::optional<std::string_view> key, std::optional<std::string_view> value,
           std::span<const HeaderField> headers = {});
  // Appends a record at an explicit offset delta (must increase).
  void add_at(int32_t offset_delta, int64_t timestamp, std::optional<std::string_view> key,
              std::optional<std::string_view> value, std::span<const HeaderField> headers = {});
  // Appends a transaction marker (EndTxnMarker); the batch must be built
  // with control = true.
  void add_control(int64_t timestamp, ControlType type, int32_t coordinator_epoch);

  int32_t record_count() const { return count_; }

  // Appends the finished batch to `out`. Fails (bad_compression) only if the
  // codec fails; `out` is then unchanged.
  BatchError finish(std::vector<uint8_t>& out);
  // Convenience for tests.
  std::vector<uint8_t> build();

 private:
  BatchOptions options_;
  Writer records_;
  int32_t count_ = 0;
  int32_t last_offset_delta_ = -1;
  int64_t first_timestamp_ = -1;
  int64_t max_timestamp_ = -1;
};

}  // namespace fjord::protocol
