#pragma once
// One client TCP connection, living on one network thread. Reads frames
// continuously, dispatches each, and writes responses strictly in request
// order (ResponseQueue). Responses with file splices go out with sendfile.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "broker/net/frame_decoder.h"
#include "broker/net/response_queue.h"

namespace fjord::broker {

class Dispatcher;

struct ConnectionLimits {
  int32_t max_request_bytes = 104857600;
  std::chrono::milliseconds idle_timeout{600000};
  size_t max_in_flight = 64;  // stop reading while this many responses are owed
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using OnClosed = std::function<void(Connection*)>;

  Connection(boost::asio::io_context& io, boost::asio::ip::tcp::socket socket, const Dispatcher& dispatcher,
             ConnectionLimits limits, OnClosed on_closed);

  void start();
  // Stops reading new requests; closes once owed responses are written.
  // Safe to call from any thread.
  void drain();
  // Closes immediately. Safe to call from any thread.
  void close_async();

  const std::string& peer() const { return peer_; }

 private:
  void read_more();
  void on_read(const boost::system::error_code& ec, size_t n);
  bool handle_frames();
  void complete(uint64_t seq, SlotOutcome outcome, OutgoingResponse response);
  void write_next();
  void write_piece();
  void send_file_piece();
  void on_piece_written();
  void arm_idle_timer();
  void close(const char* why);

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer idle_timer_;
  const Dispatcher& dispatcher_;
  ConnectionLimits limits_;
  OnClosed on_closed_;
  std::string peer_;
  FrameDecoder decoder_;
  ResponseQueue queue_;

  // Response being written: piece i is buffer segment i/2 (even) or splice
  // i/2 (odd).
  std::optional<OutgoingResponse> writing_;
  size_t piece_ = 0;
  uint64_t file_sent_ = 0;

  bool reading_ = false;
  bool dispatching_ = false;
  bool draining_ = false;
  bool closed_ = false;
  std::chrono::steady_clock::time_point last_activity_;
};

}  // namespace fjord::broker
