#pragma once
// Kafka's producer state snapshot, <offset>.snapshot in the partition
// directory (offset: the log end when it was taken, 20 digits):
//   version int16 (1) | crc uint32 (CRC-32C of what follows) |
//   entries int32 count, each: producer_id int64, epoch int16,
//   last_sequence int32, last_offset int64, offset_delta int32,
//   timestamp int64, coordinator_epoch int32, current_txn_first_offset int64
// Only the last batch of each producer is kept, as in Kafka. Taken at every
// segment roll and at a clean shutdown; recovery loads the newest valid one
// at or below the log end and replays the log after it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/errc.h"
#include "storage/log/producer_state_table.h"

namespace fjord::storage {

std::vector<uint8_t> encode_producer_snapshot(const ProducerStateTable& table);
// False when the bytes are not a snapshot (short, wrong version, bad CRC).
bool decode_producer_snapshot(const uint8_t* data, size_t size, std::vector<ProducerEntry>* out);

std::string producer_snapshot_path(const std::string& dir, int64_t offset);
// Writes the snapshot for `offset` (temporary file renamed over);
// `sync`: fsyncs file and directory (clean shutdown). Without it a crash may
// leave a torn file, which loading skips.
Errc write_producer_snapshot(const std::string& dir, int64_t offset, const std::vector<uint8_t>& bytes, bool sync);
// Snapshot offsets in `dir`, ascending.
std::vector<int64_t> producer_snapshot_offsets(const std::string& dir);
// Loads the newest valid snapshot at or below `max_offset` into `table`;
// its offset, or nullopt when there is none.
std::optional<int64_t> load_latest_producer_snapshot(const std::string& dir, int64_t max_offset,
                                                     ProducerStateTable* table);
// Deletes the snapshots above `offset` (after a truncation) or, with
// `below`, those below it except the newest `keep`.
void delete_producer_snapshots_above(const std::string& dir, int64_t offset);
void delete_old_producer_snapshots(const std::string& dir, size_t keep);

}  // namespace fjord::storage
