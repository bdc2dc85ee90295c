#include <gtest/gtest.h>

#include "protocol/wire/reader.h"
#include "protocol/wire/writer.h"

using namespace fjord::protocol;

TEST(Wire, RoundTripsPrimitives) {
  Writer w;
  w.i8(-5); w.i16(-1234); w.i32(0x12345678); w.i64(-9876543210LL); w.f64(1.5);
  w.uvarint(300); w.varint(-64); w.varlong(INT64_MIN); w.string("abc", true);
  w.nullable_string(std::nullopt, false);
  Reader r(w.buffer().data(), w.buffer().size());
  EXPECT_EQ(r.i8(), -5);
  EXPECT_EQ(r.i16(), -1234);
  EXPECT_EQ(r.i32(), 0x12345678);
  EXPECT_EQ(r.i64(), -9876543210LL);
  EXPECT_EQ(r.f64(), 1.5);
  EXPECT_EQ(r.uvarint(), 300u);
  EXPECT_EQ(r.varint(), -64);
  EXPECT_EQ(r.varlong(), INT64_MIN);
  EXPECT_EQ(r.string(true), "abc");
  EXPECT_FALSE(r.nullable_string(false).has_value());
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(Wire, KnownVarintEncodings) {
  Writer w;
  w.varint(-1); w.varint(1); w.uvarint(128);
  EXPECT_EQ(w.buffer(), (std::vector<uint8_t>{0x01, 0x02, 0x80, 0x01}));
}

TEST(Wire, TruncatedAndMalformedInputFails) {
  const uint8_t short_int[] = {0x00, 0x01};
  Reader r1(short_int, sizeof short_int);
  r1.i32();
  EXPECT_FALSE(r1.ok());

  const uint8_t long_varint[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  Reader r2(long_varint, sizeof long_varint);
  r2.uvarint();
  EXPECT_FALSE(r2.ok());

  const uint8_t bad_len[] = {0x00, 0x10, 'a'};  // string claims 16 bytes
  Reader r3(bad_len, sizeof bad_len);
  r3.string(false);
  EXPECT_FALSE(r3.ok());

  const uint8_t neg_len[] = {0xff, 0xfe};  // -2 is never a valid length
  Reader r4(neg_len, sizeof neg_len);
  r4.nullable_string(false);
  EXPECT_FALSE(r4.ok());
}

TEST(Wire, CompactStringsLongerThanAKafkaStringAreMalformed) {
  // Kafka's strings are int16-sized in every version; its readers refuse a
  // longer compact one ("had invalid length").
  for (size_t n : {size_t(0x7fff), size_t(0x8000)}) {
    Writer w;
    w.string(std::string(n, 'x'), true);
    Reader r(w.buffer().data(), w.buffer().size());
    EXPECT_EQ(r.string(true).size(), n <= 0x7fff ? n : 0u);
    EXPECT_EQ(r.ok(), n <= 0x7fff) << n;
    Reader nr(w.buffer().data(), w.buffer().size());
    nr.nullable_string(true);
    EXPECT_EQ(nr.ok(), n <= 0x7fff) << n;
  }
}

TEST(Wire, FileSlicesCountTowardsSize) {
  Writer w;
  w.i32(1);
  w.file_slice({3, 100, 50});
  w.i8(0);
  EXPECT_EQ(w.size(), 55u);
  ASSERT_EQ(w.splices().size(), 1u);
  EXPECT_EQ(w.splices()[0].buffer_offset, 4u);
}
