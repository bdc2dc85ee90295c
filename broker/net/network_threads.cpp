#include "broker/net/network_threads.h"

#include <pthread.h>

#include <string>

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "storage/io/thread_tail_round.h"

namespace fjord::broker {

NetworkThreads::NetworkThreads(int count) {
  if (count < 1) count = 1;
  for (int i = 0; i < count; ++i) {
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.emplace_back(contexts_.back()->get_executor());
  }
}

NetworkThreads::~NetworkThreads() { stop(); }

boost::asio::io_context& NetworkThreads::next() {
  return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

void NetworkThreads::start() {
  for (auto& ctx : contexts_) {
    threads_.emplace_back([c = ctx.get(), name = "fj-network-" + std::to_string(threads_.size())] {
      ::pthread_setname_np(::pthread_self(), name.c_str());
      // Page-cache tail writes of the requests this thread handles are
      // handed to the kernel here, after the events that woke it.
      storage::ThreadTailRound round([c, &round] { boost::asio::post(*c, [&round] { round.run(); }); });
      storage::ThreadTailRound::install(&round);
      for (;;) {
        try {
          c->run();
          break;
        } catch (const std::exception& e) {
          // A handler bug must not take the whole broker down.
          spdlog::error("network thread: uncaught exception: {}", e.what());
        }
      }
      // Stopped with a round armed: its bytes still go to the kernel (the
      // logs close after the network threads).
      round.run();
      storage::ThreadTailRound::install(nullptr);
    });
  }
}

void NetworkThreads::stop() {
  guards_.clear();
  for (auto& ctx : contexts_) ctx->stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

}  // namespace fjord::broker
