// The `records` field: decoded as a view into the request buffer, encoded
// either from memory or as a file splice that size() still counts.
#include <gtest/gtest.h>

#include <vector>

#include "protocol/messages/fetch_response.h"
#include "protocol/messages/produce_request.h"
#include "protocol/wire/reader.h"
#include "protocol/wire/writer.h"

namespace fjord::protocol {
namespace {

FetchResponse one_partition_fetch(Records records) {
  FetchResponse resp;
  auto& topic = resp.responses.emplace_back();
  topic.topic = "t";
  auto& part = topic.partitions.emplace_back();
  part.partition_index = 3;
  part.records = records;
  return resp;
}

TEST(RecordsField, FileSliceIsSplicedNotCopied) {
  Records rec;
  rec.is_null = false;
  rec.file = FileSlice{42, 4096, 1000};
  for (int16_t version : {int16_t{4}, int16_t{11}, int16_t{12}, int16_t{17}}) {
    FetchResponse resp = one_partition_fetch(rec);
    Writer w;
    resp.encode(w, version);
    ASSERT_EQ(w.splices().size(), 1u) << version;
    EXPECT_EQ(w.splices()[0].slice.fd, 42);
    EXPECT_EQ(w.splices()[0].slice.length, 1000u);
    // The splice comes at the end of the partition, right after the length prefix.
    EXPECT_EQ(w.size(), resp.size(version));
    EXPECT_EQ(w.buffer().size() + 1000, resp.size(version));
  }
}

TEST(RecordsField, NullAndEmptyRecordsRoundTrip) {
  for (int16_t version : {int16_t{4}, int16_t{12}}) {
    Records empty;
    empty.is_null = false;
    for (const Records& rec : {Records{}, empty}) {
      FetchResponse resp = one_partition_fetch(rec);
      Writer w;
      resp.encode(w, version);
      Reader r(w.buffer().data(), w.buffer().size());
      FetchResponse decoded;
      ASSERT_TRUE(decoded.decode(r, version));
      EXPECT_EQ(decoded.responses[0].partitions[0].records.is_null, rec.is_null);
      EXPECT_EQ(decoded.responses[0].partitions[0].records.size, 0u);
    }
  }
}

TEST(RecordsField, ProduceDecodePointsIntoTheBuffer) {
  std::vector<uint8_t> payload(5000);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = uint8_t(i);
  ProduceRequest req;
  auto& topic = req.topic_data.emplace_back();
  topic.name = "t";
  auto& part = topic.partition_data.emplace_back();
  part.records.is_null = false;
  part.records.data = payload.data();
  part.records.size = static_cast<uint32_t>(payload.size());
  for (int16_t version : {int16_t{3}, int16_t{9}, int16_t{11}}) {
    Writer w;
    req.encode(w, version);
    std::vector<uint8_t> frame = w.buffer();
    Reader r(frame.data(), frame.size());
    ProduceRequest decoded;
    ASSERT_TRUE(decoded.decode(r, version));
    const Records& got = decoded.topic_data[0].partition_data[0].records;
    EXPECT_GE(got.data, frame.data());
    EXPECT_LE(got.data + got.size, frame.data() + frame.size());
    EXPECT_EQ(got, part.records);
    // Writable in place: the broker rewrites base offsets before appending.
    got.data[0] = 0xAB;
    EXPECT_EQ(frame[static_cast<size_t>(got.data - frame.data())], 0xAB);
  }
}

}  // namespace
}  // namespace fjord::protocol
