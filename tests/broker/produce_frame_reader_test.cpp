// ProduceFrameReader through FrameDecoder: produce requests of every layout
// the reader parses arrive in arbitrary pieces; big records fields must land
// in arena slots placed as asked, and the frame plus its detached fields must
// decode to exactly the request that was sent.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "broker/net/frame_decoder.h"
#include "broker/net/produce_frame_reader.h"
#include "frame_feed.h"
#include "protocol/messages/headers.h"
#include "protocol/messages/metadata_request.h"
#include "protocol/messages/produce_request.h"
#include "protocol/wire/reader.h"
#include "protocol/wire/writer.h"

namespace fjord::broker {
namespace {

constexpr uint32_t kBig = ProduceFrameReader::kMinDetach;

struct Sent {
  std::vector<uint8_t> frame;                  // with its size prefix
  std::vector<std::vector<uint8_t>> records;   // per partition entry, in order
  std::vector<bool> null;                      // per partition entry
};

// A request frame: header (v1 or v2 by the version) + body.
template <typename Body>
std::vector<uint8_t> encode_frame(int16_t key, int16_t version, const Body& body, int32_t correlation = 7) {
  protocol::RequestHeader h;
  h.request_api_key = key;
  h.request_api_version = version;
  h.correlation_id = correlation;
  h.client_id = "frame-reader-test";
  protocol::Writer w;
  w.i32(0);
  h.encode(w, protocol::request_header_version(key, version));
  body.encode(w, version);
  w.patch_i32(0, int32_t(w.size() - 4));
  return w.buffer();
}

// topics: name -> sizes of each partition's records (-1: null).
Sent produce_frame(int16_t version, const std::vector<std::pair<std::string, std::vector<int>>>& topics,
                   std::mt19937& rng, int32_t correlation = 7) {
  Sent s;
  for (const auto& [name, sizes] : topics)
    for (int n : sizes) {
      s.records.emplace_back(size_t(std::max(n, 0)));
      for (auto& b : s.records.back()) b = uint8_t(rng());
      s.null.push_back(n < 0);
    }
  protocol::ProduceRequest req;
  req.transactional_id = version % 2 ? std::optional<std::string>("txn") : std::nullopt;
  req.acks = -1;
  req.timeout_ms = 30000;
  size_t k = 0;
  for (const auto& [name, sizes] : topics) {
    auto& t = req.topic_data.emplace_back();
    t.name = name;
    for (size_t i = 0; i < sizes.size(); ++i, ++k) {
      auto& p = t.partition_data.emplace_back();
      p.index = int32_t(i);
      p.records.is_null = s.null[k];
      p.records.data = s.records[k].data();
      p.records.size = uint32_t(s.records[k].size());
    }
  }
  s.frame = encode_frame(0, version, req, correlation);
  return s;
}

class ProduceFrameReaderTest : public ::testing::Test {
 protected:
  // The placer: a residue per (topic, partition), -1 for topic "keep".
  RecordsPlacer placer() {
    return [this](const std::string& topic, int32_t partition) {
      ++placements_;
      if (topic == "keep") return -1;
      return int((std::hash<std::string>()(topic) + uint64_t(partition) * 1237) % 4096);
    };
  }
  int expected_residue(const std::string& topic, int32_t partition) {
    return int((std::hash<std::string>()(topic) + uint64_t(partition) * 1237) % 4096);
  }

  // Feeds `stream` in pieces of 1..max_piece bytes, collecting frames.
  std::vector<FrameBuffer> feed(FrameDecoder& d, const std::vector<uint8_t>& stream, size_t max_piece) {
    std::vector<FrameBuffer> frames;
    EXPECT_EQ(test::feed_frames(d, stream, [&] { return 1 + rng_() % max_piece; }, &frames),
              FrameDecoder::Status::need_more);
    EXPECT_FALSE(d.mid_frame());
    return frames;
  }

  // Decodes the frame as the dispatcher and produce handler do and checks
  // it against what was sent.
  void expect_request(const FrameBuffer& f, int16_t version, const Sent& s, const std::vector<std::string>& names) {
    protocol::Reader r(f->data(), f->size());
    protocol::RequestHeader h;
    ASSERT_TRUE(h.decode(r, protocol::request_header_version(0, version)));
    EXPECT_EQ(h.request_api_key, 0);
    EXPECT_EQ(h.request_api_version, version);
    EXPECT_EQ(h.client_id, "frame-reader-test");
    protocol::ProduceRequest req;
    ASSERT_TRUE(req.decode(r, version) && r.ok());
    EXPECT_EQ(r.remaining(), 0u);
    EXPECT_EQ(req.acks, -1);
    EXPECT_EQ(req.timeout_ms, 30000);
    auto det = f->detached.begin();
    size_t k = 0, t = 0;
    for (auto& topic : req.topic_data) {
      EXPECT_EQ(topic.name, names[t++]);
      for (auto& p : topic.partition_data) {
        SCOPED_TRACE("partition entry " + std::to_string(k));
        const uint8_t* data = p.records.data;
        size_t size = p.records.size;
        if (det != f->detached.end() && det->ordinal == k) {
          EXPECT_FALSE(p.records.is_null);
          EXPECT_EQ(p.records.size, 0u) << "a detached field must be empty in the frame";
          data = det->bytes.data;
          size = det->bytes.size;
          EXPECT_GE(size, kBig);
          EXPECT_TRUE(det->bytes.owner);
          EXPECT_EQ(int(reinterpret_cast<uintptr_t>(data) % 4096), expected_residue(topic.name, p.index));
          ++det;
        } else if (!s.null[k]) {
          EXPECT_TRUE(s.records[k].size() < kBig || topic.name == "keep") << "big field left in the frame";
        }
        EXPECT_EQ(p.records.is_null, s.null[k]);
        ASSERT_EQ(size, s.records[k].size());
        if (size) {
          EXPECT_EQ(std::memcmp(data, s.records[k].data(), size), 0);
        }
        ++k;
      }
    }
    EXPECT_EQ(det, f->detached.end());
    EXPECT_EQ(k, s.records.size());
  }

  std::mt19937 rng_{7};
  int placements_ = 0;
};

TEST_F(ProduceFrameReaderTest, EveryLayoutInAnyPiecesDecodesToTheRequestSent) {
  const std::vector<std::pair<std::string, std::vector<int>>> topics = {
      {"events", {int(kBig), 100, 300000, -1, int(kBig) - 1, 70001}},
      {"keep", {200000}},
      {"t", {}},
      {"orders", {0, 5000, 1 << 20}},
  };
  std::vector<std::string> names;
  for (auto& t : topics) names.push_back(t.first);
  for (int16_t version : {3, 7, 8, 9, 10, 11}) {
    for (size_t piece : {size_t(1 << 20), size_t(4096), size_t(61)}) {
      SCOPED_TRACE("v" + std::to_string(version) + " pieces up to " + std::to_string(piece));
      Sent s = produce_frame(version, topics, rng_);
      FrameDecoder d(64 << 20, 64 * 1024, placer());
      auto frames = feed(d, s.frame, piece);
      ASSERT_EQ(frames.size(), 1u);
      EXPECT_EQ(frames[0]->detached.size(), 4u);  // the big ones but "keep"'s
      expect_request(frames[0], version, s, names);
    }
  }
}

TEST_F(ProduceFrameReaderTest, PipelinedWithOtherRequestsAndSmallProduces) {
  std::vector<uint8_t> stream;
  std::vector<Sent> sent;
  protocol::MetadataRequest md;
  md.topics = std::vector<protocol::MetadataRequest::MetadataRequestTopic>(3);
  for (auto& t : *md.topics) t.name = std::string(20000, 'x');  // a big frame of another API
  auto metadata = encode_frame(3, 9, md);
  for (int i = 0; i < 12; ++i) {
    const int16_t v = i % 2 ? 9 : 7;
    if (i % 3 == 0) stream.insert(stream.end(), metadata.begin(), metadata.end());
    sent.push_back(produce_frame(v, {{"a", {i % 4 == 0 ? 100 : 40000 + i, 17}}}, rng_, i));
    stream.insert(stream.end(), sent.back().frame.begin(), sent.back().frame.end());
  }
  FrameDecoder d(64 << 20, 64 * 1024, placer());
  auto frames = feed(d, stream, 30000);
  ASSERT_EQ(frames.size(), 16u);
  size_t next = 0;
  for (auto& f : frames) {
    protocol::Reader r(f->data(), f->size());
    if (r.i16() == 3) {
      EXPECT_EQ(std::vector<uint8_t>(f->begin(), f->end()), std::vector<uint8_t>(metadata.begin() + 4, metadata.end()));
      EXPECT_TRUE(f->detached.empty());
      continue;
    }
    SCOPED_TRACE("produce " + std::to_string(next));
    const int16_t v = next % 2 ? 9 : 7;
    expect_request(f, v, sent[next], {"a"});
    ++next;
  }
  EXPECT_EQ(next, sent.size());
}

TEST_F(ProduceFrameReaderTest, MalformedOrUnknownLayoutsPassThroughAsSent) {
  // A records length beyond the frame: the rest goes in unparsed, byte for
  // byte, for the decoder to refuse.
  Sent s = produce_frame(7, {{"a", {int(kBig) * 4}}}, rng_);
  std::vector<uint8_t> bad = s.frame;
  bad.resize(bad.size() - 1000);  // cut the body short...
  const uint32_t n = uint32_t(bad.size() - 4);
  bad[0] = uint8_t(n >> 24), bad[1] = uint8_t(n >> 16), bad[2] = uint8_t(n >> 8), bad[3] = uint8_t(n);  // ...framed whole
  // Produce v2 (message sets) and v12 (a layout not parsed here) are not touched either.
  Sent v2 = produce_frame(3, {{"a", {int(kBig)}}}, rng_);
  v2.frame[7] = 2;
  Sent v12 = produce_frame(3, {{"a", {int(kBig)}}}, rng_);
  v12.frame[7] = 12;
  // A negative topic count.
  Sent neg = produce_frame(7, {{"a", {int(kBig)}}}, rng_);
  std::vector<uint8_t> negative = neg.frame;
  const size_t count_at = 4 + 8 + 2 + 17 + 2 + 3 + 2 + 4;  // size, key/version/correlation, client id, txn "txn", acks, timeout
  ASSERT_EQ(negative[count_at + 3], 1);
  negative[count_at] = negative[count_at + 1] = negative[count_at + 2] = negative[count_at + 3] = 0xff;
  for (const auto* frame : {&bad, &v2.frame, &v12.frame, &negative}) {
    for (size_t piece : {size_t(1 << 20), size_t(97)}) {
      FrameDecoder d(64 << 20, 64 * 1024, placer());
      auto frames = feed(d, *frame, piece);
      ASSERT_EQ(frames.size(), 1u);
      EXPECT_TRUE(frames[0]->detached.empty());
      EXPECT_EQ(std::vector<uint8_t>(frames[0]->begin(), frames[0]->end()),
                std::vector<uint8_t>(frame->begin() + 4, frame->end()));
    }
  }
}

TEST_F(ProduceFrameReaderTest, WithoutAPlacerOrBelowTheSizeNothingIsParsed) {
  Sent big = produce_frame(7, {{"a", {int(kBig) * 2}}}, rng_);
  FrameDecoder plain(64 << 20);
  auto frames = feed(plain, big.frame, 5000);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_TRUE(frames[0]->detached.empty());
  Sent small = produce_frame(7, {{"a", {1000}}}, rng_);
  ASSERT_LT(small.frame.size(), size_t(FrameDecoder::kMinPlacedFrame));
  FrameDecoder placed(64 << 20, 64 * 1024, placer());
  frames = feed(placed, small.frame, 100);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(placements_, 0);
  expect_request(frames[0], 7, small, {"a"});
}

TEST_F(ProduceFrameReaderTest, OnlyTheBytesReadPastALengthAreCopied) {
  // With the whole frame offered at once the reader still takes at most
  // kParseRead bytes per read while parsing, so a big field's bytes beyond
  // that arrive in its slot directly.
  Sent s = produce_frame(7, {{"a", {1 << 20}}}, rng_);
  FrameDecoder d(64 << 20, 8, placer());  // a staging buffer too small to hold any body
  size_t pos = 0, reads = 0, largest_parse_read = 0;
  FrameBuffer out;
  while (pos < s.frame.size()) {
    auto target = d.read_target();
    const size_t n = std::min(target.size(), s.frame.size() - pos);
    if (target.size() <= ProduceFrameReader::kParseRead) largest_parse_read = std::max(largest_parse_read, n);
    std::memcpy(target.data(), s.frame.data() + pos, n);
    d.commit(n);
    pos += n;
    ++reads;
    FrameBuffer f;
    if (d.next(&f) == FrameDecoder::Status::frame) out = std::move(f);
  }
  ASSERT_TRUE(out);
  EXPECT_LE(largest_parse_read, ProduceFrameReader::kParseRead);
  EXPECT_LE(reads, 6u);  // size prefix, header and fields, the body, nothing else
  expect_request(out, 7, s, {"a"});
}

}  // namespace
}  // namespace fjord::broker
