#pragma once
// One io_context per network thread; connections are spread round-robin and
// every handler for a connection runs on that connection's thread.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace fjord::broker {

class NetworkThreads {
 public:
  explicit NetworkThreads(int count);
  ~NetworkThreads();

  boost::asio::io_context& next();
  boost::asio::io_context& at(size_t i) { return *contexts_[i]; }
  size_t size() const { return contexts_.size(); }

  void start();
  void stop();  // stops the contexts and joins the threads

 private:
  using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<Guard> guards_;
  std::vector<std::thread> threads_;
  std::atomic<size_t> next_{0};
};

}  // namespace fjord::broker
