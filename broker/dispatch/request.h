#pragma once
// A decoded request header plus the frame it came from. The frame buffer is
// shared so asynchronous handlers can keep request bytes (produce records)
// alive; Records views in decoded requests point into it.
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "broker/net/frame_decoder.h"
#include "protocol/messages/headers.h"

namespace fjord::broker {

struct Request {
  FrameBuffer frame;
  protocol::RequestHeader header;
  int16_t api_key = 0;
  int16_t api_version = 0;
  size_t body_offset = 0;       // first body byte in *frame
  std::string peer;             // "host:port" for logs
  boost::asio::io_context* io = nullptr;  // the connection's thread, for timers
  int listener = 0;             // index in `listeners` the connection came through

  uint8_t* body() const { return frame->data() + body_offset; }
  size_t body_size() const { return frame->size() - body_offset; }
};

}  // namespace fjord::broker
