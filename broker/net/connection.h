#pragma once
// One client TCP connection, living on one network thread. Reads frames
// continuously, dispatches each, and writes responses strictly in request
// order (ResponseQueue). Responses with file splices go out with sendfile.
#include <sys/uio.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/net/frame_decoder.h"
#include "broker/net/response_queue.h"

namespace fjord::broker {

class Dispatcher;

struct ConnectionLimits {
  int32_t max_request_bytes = 104857600;
  std::chrono::milliseconds idle_timeout{600000};
  size_t max_in_flight = 64;  // stop reading while this many responses are owed
  int listener = 0;           // index in `listeners`, copied into every Request
  RecordsPlacer records_placer;  // where big produce batches are received (FrameDecoder)
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
  void resume_reading();
  void set_receive_low_watermark();
  void on_read(const boost::system::error_code& ec, size_t n);
  bool handle_frames();
  void complete(uint64_t seq, SlotOutcome outcome, OutgoingResponse response);
  void write_next();
  void write_piece();
  // Writes the run of buffer pieces at piece_ until it is out (true) or the
  // socket is full (false, wait_writable() armed) or the connection closed.
  bool send_memory_pieces();
  void consume_sent(size_t n);
  void wait_writable();
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

  // Responses being written, in order, cut into pieces: runs of buffer
  // bytes (sent together with one sendmsg) and file slices (sendfile).
  struct Piece {
    const uint8_t* data = nullptr;  // buffer bytes, or nullptr for a file slice
    size_t length = 0;
    protocol::FileSlice slice;
  };
  std::vector<OutgoingResponse> writing_;
  std::vector<Piece> pieces_;
  std::vector<iovec> gather_;
  size_t piece_ = 0;
  uint64_t piece_sent_ = 0;  // bytes of pieces_[piece_] already written

  // SO_RCVLOWAT while this much of a frame is owed (smaller frames come in
  // one read anyway), capped where a bigger mark measured no better.
  static constexpr size_t kLowatFrom = 64 << 10;
  static constexpr size_t kLowatMax = 512 << 10;
  int lowat_ = 1;  // as set on the socket

  bool reading_ = false;
  bool dispatching_ = false;
  bool draining_ = false;
  bool closed_ = false;
  std::chrono::steady_clock::time_point last_activity_;
};

}  // namespace fjord::broker
