// Real sockets on 127.0.0.1: pipelined requests come back in order even when
// handlers finish out of order, silent requests send nothing, file splices
// go out through sendfile, big gathered responses survive a slow reader,
// bad frames close only their own connection.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "broker/dispatch/dispatcher.h"
#include "broker/net/network_threads.h"
#include "broker/net/tcp_server.h"
#include "protocol/wire/writer.h"

namespace fjord::broker {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

OutgoingResponse echo_correlation(const Request& req, const std::string& extra = "") {
  OutgoingResponse out;
  out.data.i32(0);
  out.data.i32(req.header.correlation_id);
  out.data.raw(extra.data(), extra.size());
  out.data.patch_i32(0, static_cast<int32_t>(out.data.size() - 4));
  return out;
}

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char path[] = "/tmp/fjord-conn-test-XXXXXX";
    file_fd_ = ::mkstemp(path);
    ASSERT_GE(file_fd_, 0);
    ::unlink(path);
    const std::string content = "0123456789abcdefghij";
    ASSERT_EQ(::write(file_fd_, content.data(), content.size()), static_cast<ssize_t>(content.size()));

    std::vector<ApiHandler> table;
    // Key 0: answers 150 ms later from a timer (like acks=all waiting on fsync).
    table.push_back({0, 0, 11, [](Request r, Responder out) {
                       auto timer = std::make_shared<asio::steady_timer>(*r.io, std::chrono::milliseconds(150));
                       auto req = std::make_shared<Request>(std::move(r));
                       auto o = std::make_shared<Responder>(std::move(out));
                       timer->async_wait([timer, req, o](const boost::system::error_code&) {
                         o->respond(echo_correlation(*req, "late"));
                       });
                     }});
    // Key 1: no response (acks=0).
    table.push_back({1, 0, 17, [](Request, Responder out) { out.silent(); }});
    // Key 2: buffer bytes around a file splice.
    table.push_back({2, 0, 9, [this](Request r, Responder out) {
                       OutgoingResponse resp;
                       resp.data.i32(0);
                       resp.data.i32(r.header.correlation_id);
                       resp.data.raw("<", 1);
                       resp.data.file_slice({file_fd_, 5, 10});
                       resp.data.raw(">", 1);
                       resp.data.patch_i32(0, static_cast<int32_t>(resp.data.size() - 4));
                       out.respond(std::move(resp));
                     }});
    // Key 3: answers at once.
    table.push_back({3, 0, 12, [](Request r, Responder out) { out.respond(echo_correlation(r, "now")); }});
    // Key 4: a response of kMemorySlices in-memory slices (as from a log
    // tail), each after a separator byte: more pieces than one sendmsg
    // takes, and more bytes than the socket buffers hold.
    for (size_t i = 0; i < big_.size(); ++i) big_[i] = uint8_t('a' + (i * 7 + i / kSliceBytes) % 26);
    table.push_back({4, 0, 12, [this](Request r, Responder out) {
                       OutgoingResponse resp;
                       resp.data.i32(0);
                       resp.data.i32(r.header.correlation_id);
                       for (size_t i = 0; i < kMemorySlices; ++i) {
                         resp.data.raw("|", 1);
                         resp.data.file_slice({-1, 0, uint32_t(kSliceBytes), big_.data() + i * kSliceBytes});
                       }
                       resp.data.patch_i32(0, static_cast<int32_t>(resp.data.size() - 4));
                       out.respond(std::move(resp));
                     }});
    dispatcher_.set_table(std::move(table));

    threads_ = std::make_unique<NetworkThreads>(2);
    ConnectionLimits limits;
    limits.max_request_bytes = 1024;
    limits.idle_timeout = std::chrono::milliseconds(400);
    server_ = std::make_unique<TcpServer>(*threads_, dispatcher_, limits);
    port_ = server_->listen("127.0.0.1", 0);
    threads_->start();
    server_->start_accepting();
  }

  void TearDown() override {
    server_->stop_accepting();
    server_->drain(std::chrono::milliseconds(500));
    threads_->stop();
    ::close(file_fd_);
  }

  tcp::socket connect() {
    tcp::socket s(client_io_);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    return s;
  }

  static std::vector<uint8_t> frame(int16_t key, int16_t version, int32_t correlation) {
    protocol::Writer w;
    w.i32(0);
    w.i16(key);
    w.i16(version);
    w.i32(correlation);
    w.string("t", false);
    w.patch_i32(0, static_cast<int32_t>(w.size() - 4));
    return w.buffer();
  }

  // Reads one response frame; returns {correlation id, rest}.
  static std::pair<int32_t, std::string> read_response(tcp::socket& s) {
    uint8_t size_buf[4];
    asio::read(s, asio::buffer(size_buf));
    uint32_t n = (uint32_t{size_buf[0]} << 24) | (uint32_t{size_buf[1]} << 16) | (uint32_t{size_buf[2]} << 8) |
                 size_buf[3];
    std::string body(n, '\0');
    asio::read(s, asio::buffer(body.data(), n));
    int32_t corr = static_cast<int32_t>((uint32_t(uint8_t(body[0])) << 24) | (uint32_t(uint8_t(body[1])) << 16) |
                                        (uint32_t(uint8_t(body[2])) << 8) | uint8_t(body[3]));
    return {corr, body.substr(4)};
  }

  static bool closed_by_peer(tcp::socket& s) {
    uint8_t b;
    boost::system::error_code ec;
    asio::read(s, asio::buffer(&b, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

  std::string expected_big_body() const {
    std::string body;
    for (size_t i = 0; i < kMemorySlices; ++i) {
      body += '|';
      body.append(reinterpret_cast<const char*>(big_.data()) + i * kSliceBytes, kSliceBytes);
    }
    return body;
  }

  static constexpr size_t kMemorySlices = 3000;
  static constexpr size_t kSliceBytes = 1000;
  std::vector<uint8_t> big_ = std::vector<uint8_t>(kMemorySlices * kSliceBytes);
  int file_fd_ = -1;
  asio::io_context client_io_;
  Dispatcher dispatcher_;
  std::unique_ptr<NetworkThreads> threads_;
  std::unique_ptr<TcpServer> server_;
  uint16_t port_ = 0;
};

TEST_F(ConnectionTest, PipelinedResponsesKeepRequestOrder) {
  auto s = connect();
  std::vector<uint8_t> all;
  for (auto [key, corr] : std::vector<std::pair<int16_t, int32_t>>{{0, 1}, {3, 2}, {1, 3}, {3, 4}, {0, 5}}) {
    auto f = frame(key, 0, corr);
    all.insert(all.end(), f.begin(), f.end());
  }
  asio::write(s, asio::buffer(all));  // one write: the broker sees them pipelined
  EXPECT_EQ(read_response(s), (std::pair<int32_t, std::string>{1, "late"}));
  EXPECT_EQ(read_response(s), (std::pair<int32_t, std::string>{2, "now"}));
  // Correlation 3 was silent: nothing on the wire for it.
  EXPECT_EQ(read_response(s), (std::pair<int32_t, std::string>{4, "now"}));
  EXPECT_EQ(read_response(s), (std::pair<int32_t, std::string>{5, "late"}));
}

TEST_F(ConnectionTest, ManyPipelinedResponsesWithSplicesStayIntact) {
  auto s = connect();
  std::vector<uint8_t> all;
  for (int32_t corr = 0; corr < 300; ++corr) {
    auto f = frame(corr % 3 == 0 ? 2 : 3, 0, corr);
    all.insert(all.end(), f.begin(), f.end());
  }
  asio::write(s, asio::buffer(all));
  for (int32_t corr = 0; corr < 300; ++corr) {
    auto [c, body] = read_response(s);
    ASSERT_EQ(c, corr);
    EXPECT_EQ(body, corr % 3 == 0 ? "<56789abcde>" : "now");
  }
}

TEST_F(ConnectionTest, BigGatheredResponsesArriveWholeWhenTheReaderIsSlow) {
  auto s = connect();
  std::vector<uint8_t> all = frame(4, 0, 1);
  for (auto corr : {2, 3}) {
    auto f = corr == 2 ? frame(3, 0, corr) : frame(4, 0, corr);
    all.insert(all.end(), f.begin(), f.end());
  }
  asio::write(s, asio::buffer(all));
  // Not reading yet: the broker's writes fill the socket and must wait.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::string big = expected_big_body();
  auto first = read_response(s);
  EXPECT_EQ(first.first, 1);
  EXPECT_TRUE(first.second == big) << "first big response differs";
  EXPECT_EQ(read_response(s), (std::pair<int32_t, std::string>{2, "now"}));
  auto third = read_response(s);
  EXPECT_EQ(third.first, 3);
  EXPECT_TRUE(third.second == big) << "second big response differs";
}

TEST_F(ConnectionTest, FileSplicesAreSentInPlace) {
  auto s = connect();
  asio::write(s, asio::buffer(frame(2, 0, 9)));
  EXPECT_EQ(read_response(s), (std::pair<int32_t, std::string>{9, "<56789abcde>"}));
}

TEST_F(ConnectionTest, OversizedFrameClosesOnlyThatConnection) {
  auto good = connect();
  auto bad = connect();
  uint8_t huge[4] = {0x7f, 0xff, 0xff, 0xff};
  asio::write(bad, asio::buffer(huge));
  EXPECT_TRUE(closed_by_peer(bad));
  asio::write(good, asio::buffer(frame(3, 0, 7)));
  EXPECT_EQ(read_response(good).first, 7);
}

TEST_F(ConnectionTest, UnknownApiKeyClosesAfterEarlierResponses) {
  auto s = connect();
  std::vector<uint8_t> all = frame(0, 0, 1);
  auto unknown = frame(42, 0, 2);
  all.insert(all.end(), unknown.begin(), unknown.end());
  asio::write(s, asio::buffer(all));
  EXPECT_EQ(read_response(s).first, 1);  // the earlier request is still answered
  EXPECT_TRUE(closed_by_peer(s));
}

TEST_F(ConnectionTest, IdleConnectionsAreClosed) {
  auto s = connect();
  asio::write(s, asio::buffer(frame(3, 0, 1)));
  EXPECT_EQ(read_response(s).first, 1);
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(closed_by_peer(s));
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(300));
  EXPECT_LT(waited, std::chrono::seconds(5));
}

}  // namespace
}  // namespace fjord::broker
