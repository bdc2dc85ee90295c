#pragma once
// ShardServices for driving a coordinator shard by hand: a manual clock,
// timers that fire when the test advances time, and writes (and posted
// work) that complete when the test settles them (kept as the shard's "log").
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "broker/coordinator/coordinator_shard.h"

namespace fjord::broker::coordinator::test {

class FakeShardServices : public ShardServices {
 public:
  int64_t now = 1'000'000;
  CoordinatorShard* shard = nullptr;             // replay target of written records
  std::vector<CoordinatorRecord> log;            // every record written successfully
  int16_t fail_writes_with = 0;                  // next settled writes fail with this

  int64_t now_ms() const override { return now; }
  void schedule(const std::string& key, int64_t delay_ms, std::function<void()> fn) override {
    timers_[key] = Timer{now + delay_ms, ++ids_, std::move(fn)};
  }
  void cancel(const std::string& key) override { timers_.erase(key); }
  void write(std::vector<CoordinatorRecord> records, bool replay, std::function<void(int16_t)> done) override {
    pending_.push_back({std::move(records), replay, std::move(done)});
  }
  void write_transactional(std::vector<CoordinatorRecord> records, TxnProducer producer,
                           std::function<void(int16_t)> done) override {
    pending_.push_back({std::move(records), true, std::move(done), producer.id});
  }
  void post(std::function<void()> fn) override { posted_.push_back(std::move(fn)); }

  bool has_timer(const std::string& key) const { return timers_.count(key) > 0; }
  size_t pending_writes() const { return pending_.size(); }

  // Completes every write made so far (and those their callbacks make), and
  // runs posted work.
  void settle() {
    while (!pending_.empty() || !posted_.empty()) {
      if (pending_.empty()) {
        auto fn = std::move(posted_.front());
        posted_.pop_front();
        fn();
        continue;
      }
      Write w = std::move(pending_.front());
      pending_.pop_front();
      if (!fail_writes_with) {
        for (auto& r : w.records) {
          if (w.replay && shard) {
            RecordView v{{r.key.data(), r.key.size()}, std::nullopt};
            if (r.value) v.value = std::span<const uint8_t>(r.value->data(), r.value->size());
            v.producer_id = w.producer_id;
            shard->replay(v);
          }
          log.push_back(r);
        }
      }
      w.done(fail_writes_with);
    }
  }

  // Moves the clock forward, firing due timers in time order (and settling writes).
  void advance(int64_t ms) {
    const int64_t target = now + ms;
    for (;;) {
      settle();
      auto next = timers_.end();
      for (auto it = timers_.begin(); it != timers_.end(); ++it)
        if (it->second.at <= target && (next == timers_.end() || it->second.at < next->second.at)) next = it;
      if (next == timers_.end()) break;
      now = std::max(now, next->second.at);
      auto fn = std::move(next->second.fn);
      timers_.erase(next);
      fn();
    }
    now = target;
    settle();
  }

 private:
  struct Timer {
    int64_t at;
    uint64_t id;
    std::function<void()> fn;
  };
  struct Write {
    std::vector<CoordinatorRecord> records;
    bool replay;
    std::function<void(int16_t)> done;
    int64_t producer_id = -1;
  };
  std::map<std::string, Timer> timers_;
  uint64_t ids_ = 0;
  std::deque<Write> pending_;
  std::deque<std::function<void()>> posted_;
};

}  // namespace fjord::broker::coordinator::test
