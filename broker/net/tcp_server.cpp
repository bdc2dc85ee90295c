#include "broker/net/tcp_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <future>
#include <thread>
#include <vector>

namespace fjord::broker {

namespace asio = boost::asio;
using asio::ip::tcp;

TcpServer::TcpServer(NetworkThreads& threads, const Dispatcher& dispatcher, ConnectionLimits limits)
    : threads_(threads), dispatcher_(dispatcher), limits_(limits) {}

uint16_t TcpServer::listen(const std::string& host, uint16_t port) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) {
    // A host name (e.g. localhost): use its first address.
    tcp::resolver resolver(threads_.at(0));
    auto results = resolver.resolve(host, std::to_string(port));
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint ep(address, port);
  acceptor_ = std::make_unique<tcp::acceptor>(threads_.at(0));
  acceptor_->open(ep.protocol());
  acceptor_->set_option(tcp::acceptor::reuse_address(true));
  acceptor_->bind(ep);
  acceptor_->listen(asio::socket_base::max_listen_connections);
  return acceptor_->local_endpoint().port();
}

void TcpServer::start_accepting() {
  asio::post(threads_.at(0), [this] { accept_next(); });
}

void TcpServer::accept_next() {
  if (!acceptor_ || !acceptor_->is_open()) return;
  asio::io_context& io = threads_.next();
  acceptor_->async_accept(io, [this, &io](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_->is_open()) return;
    if (ec) {
      spdlog::warn("accept failed: {}", ec.message());
    } else {
      auto conn = std::make_shared<Connection>(io, std::move(socket), dispatcher_, limits_, [this](Connection* c) {
        std::lock_guard lock(mu_);
        connections_.erase(c);
      });
      {
        std::lock_guard lock(mu_);
        connections_[conn.get()] = conn;
      }
      asio::post(io, [conn] { conn->start(); });
    }
    accept_next();
  });
}

void TcpServer::stop_accepting() {
  if (!acceptor_) return;
  std::promise<void> done;
  asio::post(threads_.at(0), [this, &done] {
    boost::system::error_code ec;
    acceptor_->close(ec);
    done.set_value();
  });
  done.get_future().wait_for(std::chrono::seconds(5));
}

size_t TcpServer::connection_count() const {
  std::lock_guard lock(mu_);
  return connections_.size();
}

void TcpServer::drain(std::chrono::milliseconds timeout) {
  std::vector<std::shared_ptr<Connection>> live;
  {
    std::lock_guard lock(mu_);
    for (auto& [_, weak] : connections_)
      if (auto c = weak.lock()) live.push_back(std::move(c));
  }
  for (auto& c : live) c->drain();
  live.clear();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (connection_count() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  {
    std::lock_guard lock(mu_);
    for (auto& [_, weak] : connections_)
      if (auto c = weak.lock()) live.push_back(std::move(c));
  }
  for (auto& c : live) c->close_async();
}

}  // namespace fjord::broker
