#pragma once
// Listens on the configured address, hands accepted sockets to network
// threads round-robin and tracks live connections for shutdown.
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "broker/net/connection.h"
#include "broker/net/network_threads.h"

namespace fjord::broker {

class Dispatcher;

class TcpServer {
 public:
  TcpServer(NetworkThreads& threads, const Dispatcher& dispatcher, ConnectionLimits limits);

  // Binds and listens; returns the actual port (port 0 = ephemeral).
  // Throws on failure (start-up only).
  uint16_t listen(const std::string& host, uint16_t port);
  void start_accepting();
  void stop_accepting();
  // Asks every connection to finish owed responses and close; waits up to
  // `timeout`, then closes what is left.
  void drain(std::chrono::milliseconds timeout);
  size_t connection_count() const;

 private:
  void accept_next();

  NetworkThreads& threads_;
  const Dispatcher& dispatcher_;
  ConnectionLimits limits_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  mutable std::mutex mu_;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections_;
};

}  // namespace fjord::broker
