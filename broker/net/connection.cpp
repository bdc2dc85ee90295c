#include "broker/net/connection.h"

#include <spdlog/spdlog.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <climits>
#include <cstring>

#include "broker/dispatch/dispatcher.h"
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"

namespace fjord::broker {

namespace asio = boost::asio;
using asio::ip::tcp;

Connection::Connection(asio::io_context& io, tcp::socket socket, const Dispatcher& dispatcher,
                       ConnectionLimits limits, OnClosed on_closed)
    : io_(io),
      socket_(std::move(socket)),
      idle_timer_(io),
      dispatcher_(dispatcher),
      limits_(limits),
      on_closed_(std::move(on_closed)),
      decoder_(limits.max_request_bytes, 64 * 1024, limits.records_placer) {
  boost::system::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  peer_ = ec ? std::string("unknown") : ep.address().to_string() + ":" + std::to_string(ep.port());
}

void Connection::start() {
  boost::system::error_code ec;
  socket_.set_option(tcp::no_delay(true), ec);
  // sendfile() must not block the network thread; asio copes with EAGAIN.
  socket_.native_non_blocking(true, ec);
  last_activity_ = std::chrono::steady_clock::now();
  spdlog::debug("{}: connection accepted", peer_);
  arm_idle_timer();
  read_more();
}

void Connection::drain() {
  asio::post(io_, [self = shared_from_this()] {
    if (self->closed_) return;
    // Requests already read are answered; anything read from now on is
    // ignored (handle_frames stops while draining).
    self->draining_ = true;
    if (self->queue_.empty() && self->writing_.empty()) self->close("broker shutting down");
  });
}

void Connection::close_async() {
  asio::post(io_, [self = shared_from_this()] { self->close("broker shutting down"); });
}

void Connection::read_more() {
  // Not while handle_frames() is consuming the decoder: a read started
  // from a synchronous completion would target the wrong buffer.
  if (reading_ || closed_ || draining_ || dispatching_) return;
  if (queue_.pending() >= limits_.max_in_flight) return;  // resumed by write_next()
  reading_ = true;
  set_receive_low_watermark();
  auto target = decoder_.read_target();
  socket_.async_read_some(asio::buffer(target.data(), target.size()),
                          [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
                            self->on_read(ec, n);
                          });
}

void Connection::set_receive_low_watermark() {
  // Not woken for every segment of a big request: each wake-up costs this
  // thread a pass through epoll and a small read, and the sender (whose
  // send path, on loopback, delivers the segment) the wake-up itself.
  const size_t owed = decoder_.bytes_owed();
  const int lowat = owed >= kLowatFrom ? int(std::min(owed, kLowatMax)) : 1;
  if (lowat == lowat_) return;
  boost::system::error_code ec;
  socket_.set_option(asio::socket_base::receive_low_watermark(lowat), ec);
  if (!ec) lowat_ = lowat;
}

void Connection::resume_reading() {
  if (reading_ || closed_ || draining_ || dispatching_) return;
  // Frames already buffered while paused must be handled first: the client
  // may have sent everything and be waiting for answers.
  dispatching_ = true;
  bool keep_reading = handle_frames();
  dispatching_ = false;
  if (keep_reading) read_more();
}

void Connection::on_read(const boost::system::error_code& ec, size_t n) {
  reading_ = false;
  if (closed_) return;
  if (ec) {
    if (ec == asio::error::eof || ec == asio::error::connection_reset) {
      close("client disconnected");
    } else if (ec != asio::error::operation_aborted) {
      spdlog::debug("{}: read error: {}", peer_, ec.message());
      close("read error");
    }
    return;
  }
  last_activity_ = std::chrono::steady_clock::now();
  decoder_.commit(n);
  dispatching_ = true;
  bool keep_reading = handle_frames();
  dispatching_ = false;
  if (!keep_reading) return;
  read_more();
}

bool Connection::handle_frames() {
  for (;;) {
    if (closed_ || draining_) return false;
    FrameBuffer frame;
    auto status = decoder_.next(&frame);
    if (status == FrameDecoder::Status::need_more) return true;
    if (status != FrameDecoder::Status::frame) {
      spdlog::warn("{}: request size {} outside 0..{} (socket.request.max.bytes); closing", peer_,
                   decoder_.bad_size(), limits_.max_request_bytes);
      close("bad frame size");
      return false;
    }
    uint64_t seq = queue_.reserve();
    std::weak_ptr<Connection> weak = weak_from_this();
    asio::io_context* io = &io_;
    Responder responder([weak, io, seq](SlotOutcome outcome, OutgoingResponse response) {
      auto self = weak.lock();
      // After shutdown the network threads are gone; nobody can be answered.
      if (!self || io->stopped()) return;
      if (io->get_executor().running_in_this_thread()) {
        self->complete(seq, outcome, std::move(response));
      } else {
        asio::post(*io, [self, seq, outcome, r = std::move(response)]() mutable {
          self->complete(seq, outcome, std::move(r));
        });
      }
    });
    Request req;
    req.frame = std::move(frame);
    req.peer = peer_;
    req.io = &io_;
    req.listener = limits_.listener;
    dispatcher_.dispatch(std::move(req), std::move(responder));
    if (queue_.pending() >= limits_.max_in_flight) return true;  // read_more() will pause
  }
}

void Connection::complete(uint64_t seq, SlotOutcome outcome, OutgoingResponse response) {
  if (closed_) return;
  if (!queue_.fill(seq, outcome, std::move(response))) {
    spdlog::error("{}: response slot {} filled twice or unknown", peer_, seq);
    return;
  }
  write_next();
}

void Connection::write_next() {
  if (!writing_.empty() || closed_) return;
  // Take every response that is ready (bounded), so pipelined answers go
  // out in one gather write instead of one syscall each.
  constexpr size_t kMaxBatchBytes = 1 << 20;
  size_t batch_bytes = 0;
  bool must_close = false;
  while (writing_.size() < 64 && batch_bytes < kMaxBatchBytes) {
    auto next = queue_.pop_ready(&must_close);
    if (!next) break;
    batch_bytes += next->data.size();
    writing_.push_back(std::move(*next));
  }
  if (writing_.empty()) {
    if (must_close) close("request could not be answered");
    else if (draining_ && queue_.empty()) close("drained");
    else resume_reading();  // may have been paused by max_in_flight
    return;
  }
  pieces_.clear();
  for (const auto& r : writing_) {
    const auto& buf = r.data.buffer();
    size_t pos = 0;
    for (const auto& s : r.data.splices()) {
      if (s.buffer_offset > pos) pieces_.push_back({buf.data() + pos, s.buffer_offset - pos, {}});
      if (s.slice.memory) pieces_.push_back({s.slice.memory, s.slice.length, {}});  // a log tail in memory
      else pieces_.push_back({nullptr, s.slice.length, s.slice});
      pos = s.buffer_offset;
    }
    if (buf.size() > pos) pieces_.push_back({buf.data() + pos, buf.size() - pos, {}});
  }
  piece_ = 0;
  piece_sent_ = 0;
  write_piece();
}

void Connection::write_piece() {
  while (piece_ < pieces_.size()) {
    if (!pieces_[piece_].data) {
      send_file_piece();  // comes back here once the slice is out
      return;
    }
    if (!send_memory_pieces()) return;  // waiting until writable, or closed
  }
  on_piece_written();
}

bool Connection::send_memory_pieces() {
  // sendmsg by hand rather than asio::async_write, which cuts a gather into
  // writes of at most 64 KiB and 16 buffers: a fetch response of a few
  // hundred KiB took one syscall per 64 KiB, and on loopback each of those
  // also runs the reader's receive path.
  while (piece_ < pieces_.size() && pieces_[piece_].data) {
    gather_.clear();
    for (size_t i = piece_; i < pieces_.size() && pieces_[i].data && gather_.size() < IOV_MAX; ++i) {
      const size_t skip = i == piece_ ? piece_sent_ : 0;
      gather_.push_back({const_cast<uint8_t*>(pieces_[i].data) + skip, pieces_[i].length - skip});
    }
    msghdr msg{};
    msg.msg_iov = gather_.data();
    msg.msg_iovlen = gather_.size();
    const ssize_t n = ::sendmsg(socket_.native_handle(), &msg, MSG_NOSIGNAL);
    if (n >= 0) {
      consume_sent(size_t(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      wait_writable();
      return false;
    }
    spdlog::debug("{}: write failed: {}", peer_, std::strerror(errno));
    close("write error");
    return false;
  }
  return true;
}

void Connection::consume_sent(size_t n) {
  while (piece_ < pieces_.size() && pieces_[piece_].data) {
    const size_t rest = pieces_[piece_].length - piece_sent_;
    if (n < rest) {
      piece_sent_ += n;
      return;
    }
    n -= rest;
    ++piece_;
    piece_sent_ = 0;
  }
}

void Connection::wait_writable() {
  socket_.async_wait(tcp::socket::wait_write, [self = shared_from_this()](const boost::system::error_code& ec) {
    if (self->closed_) return;
    if (ec) {
      if (ec != asio::error::operation_aborted) self->close("write error");
      return;
    }
    self->write_piece();
  });
}

void Connection::send_file_piece() {
  const auto& slice = pieces_[piece_].slice;
  while (piece_sent_ < slice.length) {
    off_t off = static_cast<off_t>(slice.position + piece_sent_);
    ssize_t n = ::sendfile(socket_.native_handle(), slice.fd, &off, slice.length - piece_sent_);
    if (n > 0) {
      piece_sent_ += static_cast<uint64_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      wait_writable();
      return;
    }
    // n == 0: the file is shorter than the slice (segment removed under
    // us); the frame length is already promised, so the stream is lost.
    spdlog::warn("{}: sendfile failed ({}); closing", peer_, n < 0 ? std::strerror(errno) : "short file");
    close("sendfile failed");
    return;
  }
  piece_sent_ = 0;
  ++piece_;
  write_piece();
}

void Connection::on_piece_written() {
  writing_.clear();
  pieces_.clear();
  last_activity_ = std::chrono::steady_clock::now();
  write_next();
}

void Connection::arm_idle_timer() {
  auto deadline = last_activity_ + limits_.idle_timeout;
  idle_timer_.expires_at(deadline);
  idle_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->closed_) return;
    auto now = std::chrono::steady_clock::now();
    bool busy = !self->queue_.empty() || !self->writing_.empty();
    if (!busy && now - self->last_activity_ >= self->limits_.idle_timeout) {
      spdlog::info("{}: closing idle connection (connections.max.idle.ms)", self->peer_);
      self->close("idle");
      return;
    }
    if (busy) self->last_activity_ = now;
    self->arm_idle_timer();
  });
}

void Connection::close(const char* why) {
  if (closed_) return;
  closed_ = true;
  spdlog::debug("{}: closing connection: {}", peer_, why);
  boost::system::error_code ec;
  idle_timer_.cancel();
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  // writing_ stays until destruction: a cancelled write may still hold
  // pointers into it until its handler runs.
  if (on_closed_) on_closed_(this);
}

}  // namespace fjord::broker
