#pragma once
// Parked Fetch requests register here for the partitions they read; Produce
// calls notify() after an append so long-polls wake on new data instead of
// polling. Waiters are woken once and then forgotten (the fetch re-registers
// if it still needs to wait).
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace fjord::broker {

class FetchWaiter {
 public:
  virtual ~FetchWaiter() = default;
  // Called from the producing thread; implementations hop to their own.
  virtual void wake() = 0;
};

class PartitionWaiters {
 public:
  void add(const std::string& topic, int32_t partition, const std::weak_ptr<FetchWaiter>& w);
  void notify(const std::string& topic, int32_t partition);
  // Wakes everyone (shutdown: answer parked fetches now).
  void notify_all();
  size_t size() const;

 private:
  using Key = std::pair<std::string, int32_t>;
  mutable std::mutex mu_;
  std::map<Key, std::vector<std::weak_ptr<FetchWaiter>>> waiters_;
};

}  // namespace fjord::broker
