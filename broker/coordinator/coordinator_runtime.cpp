#include "broker/coordinator/coordinator_runtime.h"

#include <spdlog/spdlog.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <deque>
#include <map>
#include <optional>

#include "broker/coordinator/partition_records.h"
#include "protocol/records/record_batch_builder.h"

namespace fjord::broker::coordinator {
namespace {

constexpr int16_t kNotCoordinator = 16;
constexpr int16_t kCoordinatorLoadInProgress = 14;
constexpr int16_t kCoordinatorNotAvailable = 15;
constexpr int16_t kUnknownServerError = -1;

enum State : int { not_owned = 0, loading = 1, active = 2 };

// Kafka's mapping of a failed coordinator append (GroupCoordinatorService
// handleOperationException): the client retries or rediscovers.
int16_t write_error(storage::Errc e) {
  switch (e) {
    case storage::Errc::ok: return 0;
    case storage::Errc::unknown_topic: return kCoordinatorNotAvailable;
    case storage::Errc::message_too_large:
    case storage::Errc::record_list_too_large: return kUnknownServerError;
    default: return kNotCoordinator;  // storage errors, shutting down
  }
}

int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

RecordView view_of(const CoordinatorRecord& r) {
  RecordView v{{r.key.data(), r.key.size()}, std::nullopt};
  if (r.value) v.value = std::span<const uint8_t>(r.value->data(), r.value->size());
  return v;
}

}  // namespace

// One partition's shard and everything it runs with. All members but
// `state` are touched only on the strand.
class CoordinatorRuntime::Slot final : public ShardServices {
 public:
  Slot(CoordinatorRuntime& rt, int32_t partition)
      : rt_(rt), partition_(partition), strand_(boost::asio::make_strand(rt.io_)) {}

  std::atomic<int> state{not_owned};

  template <typename F>
  void post_raw(F&& f) { boost::asio::post(strand_, std::forward<F>(f)); }

  struct Marker {
    int64_t producer_id = -1;
    bool commit = false;
  };
  struct Pending {
    int64_t last_offset = -1;
    std::vector<CoordinatorRecord> records;  // to replay once durable
    int64_t producer_id = -1;                // transactional records' owner
    std::optional<Marker> marker;            // a transaction marker to replay
    std::function<void(int16_t)> done;
    std::vector<std::function<void(int16_t)>> after;  // writes without records made after this one
  };

  void load() {
    ++epoch_;
    auto log = rt_.logs_.partition(rt_.options_.topic, partition_);
    if (!log) {
      spdlog::error("{} coordinator: no partition {}-{} to load", rt_.options_.name, rt_.options_.topic, partition_);
      state = not_owned;
      return;
    }
    log_ = std::move(log);
    auto start = std::chrono::steady_clock::now();
    shard_ = rt_.factory_(*this, partition_);
    int64_t records = 0;
    int64_t end = for_each_record(
        *log_, 0,
        [&](const protocol::RecordBatchView& batch, const protocol::Record& r) {
          if (r.key.is_null()) return;  // Kafka's loader rejects these; nothing to apply
          RecordView v{{r.key.data, r.key.length()}, std::nullopt};
          if (!r.value.is_null()) v.value = std::span<const uint8_t>(r.value.data, r.value.length());
          if (batch.transactional()) v.producer_id = batch.producer_id();
          shard_->replay(v);
          ++records;
        },
        [&](const protocol::RecordBatchView& batch, bool commit) { shard_->replay_end_txn(batch.producer_id(), commit); });
    if (end < 0) {
      spdlog::error("{} coordinator: loading {}-{} failed; the shard stays unloaded", rt_.options_.name,
                    rt_.options_.topic, partition_);
      shard_.reset();
      log_.reset();
      state = not_owned;
      return;
    }
    shard_->on_loaded();
    state = active;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    if (records > 0)
      spdlog::info("{} coordinator: loaded {}-{} ({} records to offset {}) in {} ms", rt_.options_.name,
                   rt_.options_.topic, partition_, records, end, ms);
  }

  void unload() {
    if (!shard_) { state = not_owned; return; }
    state = not_owned;
    ++epoch_;
    timers_.clear();  // destroying a timer cancels it
    shard_->on_unloaded();
    // Writes whose records are not yet durable: their answers say so.
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& w : pending) {
      if (w.done) w.done(kNotCoordinator);
      for (auto& f : w.after) f(kNotCoordinator);
    }
    shard_.reset();
    log_.reset();
  }

  CoordinatorShard* shard() { return shard_.get(); }

  // --- ShardServices ---
  int64_t now_ms() const override { return rt_.options_.clock(); }

  void schedule(const std::string& key, int64_t delay_ms, std::function<void()> fn) override {
    auto& t = timers_[key];
    t.id = ++timer_ids_;
    t.timer = std::make_unique<boost::asio::steady_timer>(strand_, std::chrono::milliseconds(std::max<int64_t>(0, delay_ms)));
    t.timer->async_wait([this, key, id = t.id, fn = std::move(fn)](const boost::system::error_code& ec) {
      if (ec) return;
      auto it = timers_.find(key);
      if (it == timers_.end() || it->second.id != id) return;  // replaced or cancelled
      timers_.erase(it);
      fn();
    });
  }

  void cancel(const std::string& key) override { timers_.erase(key); }

  void write(std::vector<CoordinatorRecord> records, bool replay, std::function<void(int16_t)> done) override {
    if (records.empty()) {
      if (pending_.empty()) post_raw([done = std::move(done)] { done(0); });
      else pending_.back().after.push_back(std::move(done));
      return;
    }
    append(std::move(records), replay, TxnProducer{}, std::move(done));
  }

  void write_transactional(std::vector<CoordinatorRecord> records, TxnProducer producer,
                           std::function<void(int16_t)> done) override {
    append(std::move(records), true, producer, std::move(done));
  }

  void post(std::function<void()> fn) override {
    post_raw([this, epoch = epoch_.load(), fn = std::move(fn)] {
      if (epoch == epoch_ && shard_) fn();
    });
  }

  // A transaction marker for this partition (the transaction coordinator's
  // TxnMarkerWriter): appended in order with the shard's writes and replayed
  // once durable. Without a loaded shard it is appended all the same: the
  // next load replays it.
  void write_end_marker(TxnProducer producer, int32_t coordinator_epoch, bool commit,
                        std::function<void(int16_t)> done) {
    std::shared_ptr<storage::PartitionLog> log = log_ ? log_ : rt_.logs_.partition(rt_.options_.topic, partition_);
    if (!log) return done(kNotCoordinator);
    storage::AppendInfo info;
    storage::Errc e = log->append_txn_marker(producer.id, producer.epoch, commit, coordinator_epoch, &info);
    if (e != storage::Errc::ok) return done(write_error(e));
    if (!log_) {  // no shard here: only durability to wait for
      ++rt_.durability_waits_;
      log->when_durable(info.last_offset, [this, done = std::move(done)](bool ok) mutable {
        done(ok ? 0 : kNotCoordinator);
        --rt_.durability_waits_;
      });
      return;
    }
    Pending p;
    p.last_offset = info.last_offset;
    p.marker = Marker{producer.id, commit};
    p.done = std::move(done);
    wait_durable(std::move(p));
  }

 private:
  storage::Errc append_built(storage::PartitionLog& log, storage::AppendInfo* info) {
    batch_.clear();
    protocol::RecordBatchView view;
    if (builder_.finish(batch_) != protocol::BatchError::ok ||
        protocol::RecordBatchView::parse(batch_.data(), batch_.size(), &view) != protocol::BatchError::ok)
      return storage::Errc::corrupt_message;
    return log.append(view, info);
  }

  void wait_durable(Pending p) {
    const int64_t last = p.last_offset;
    pending_.push_back(std::move(p));
    ++rt_.durability_waits_;
    log_->when_durable(last, [this, epoch = epoch_.load(), last](bool ok) {
      post_raw([this, epoch, last, ok] { on_durable(epoch, last, ok); });
      --rt_.durability_waits_;
    });
  }

  void append(std::vector<CoordinatorRecord> records, bool replay, TxnProducer producer,
              std::function<void(int16_t)> done) {
    const int64_t now = now_ms();
    protocol::BatchOptions o;
    if (producer.id >= 0) {
      o.producer_id = producer.id;
      o.producer_epoch = producer.epoch;
      o.transactional = true;
    }
    builder_.reset(o);
    for (const auto& r : records) {
      std::string_view key(reinterpret_cast<const char*>(r.key.data()), r.key.size());
      std::optional<std::string_view> value;
      if (r.value) value = std::string_view(reinterpret_cast<const char*>(r.value->data()), r.value->size());
      builder_.add(now, key, value);
    }
    storage::AppendInfo info;
    storage::Errc e = append_built(*log_, &info);
    if (e != storage::Errc::ok) {
      spdlog::warn("{} coordinator: appending to {}-{} failed: {}", rt_.options_.name, rt_.options_.topic, partition_,
                   storage::to_string(e));
      post_raw([done = std::move(done), err = write_error(e)] { done(err); });
      return;
    }
    Pending p;
    p.last_offset = info.last_offset;
    if (replay) p.records = std::move(records);
    p.producer_id = producer.id;
    p.done = std::move(done);
    wait_durable(std::move(p));
  }

  struct Timer {
    uint64_t id = 0;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };

  void on_durable(uint64_t epoch, int64_t upto, bool ok) {
    if (epoch != epoch_) return;  // unloaded meanwhile; its answers were given then
    while (!pending_.empty() && pending_.front().last_offset <= upto) {
      Pending w = std::move(pending_.front());
      pending_.pop_front();
      const int16_t err = ok ? 0 : kNotCoordinator;
      if (ok && shard_) {
        for (const auto& r : w.records) {
          RecordView v = view_of(r);
          v.producer_id = w.producer_id;
          shard_->replay(v);
        }
        if (w.marker) shard_->replay_end_txn(w.marker->producer_id, w.marker->commit);
      }
      if (w.done) w.done(err);
      for (auto& f : w.after) f(err);
    }
  }

  CoordinatorRuntime& rt_;
  const int32_t partition_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  std::atomic<uint64_t> epoch_{0};  // changes on the strand; read by post() from any thread
  std::unique_ptr<CoordinatorShard> shard_;
  std::shared_ptr<storage::PartitionLog> log_;
  std::map<std::string, Timer> timers_;
  uint64_t timer_ids_ = 0;
  std::deque<Pending> pending_;
  protocol::RecordBatchBuilder builder_;
  std::vector<uint8_t> batch_;
};

CoordinatorRuntime::CoordinatorRuntime(storage::LogManager& logs, const LocalLeadership& leadership, Options options,
                                       ShardFactory factory)
    : logs_(logs),
      leadership_(leadership),
      options_(std::move(options)),
      factory_(std::move(factory)),
      work_(boost::asio::make_work_guard(io_)) {
  if (!options_.clock) options_.clock = system_now_ms;
  for (int32_t p = 0; p < options_.partitions; ++p) slots_.push_back(std::make_unique<Slot>(*this, p));
}

CoordinatorRuntime::~CoordinatorRuntime() { shutdown(); }

void CoordinatorRuntime::start() {
  if (started_) return;
  started_ = true;
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    threads_.emplace_back([this, i] {
      std::string name = "fj-" + options_.name.substr(0, 6) + "-" + std::to_string(i);
      pthread_setname_np(pthread_self(), name.c_str());
      io_.run();
    });
  }
  for (int32_t p : leadership_.led_partitions(options_.topic, options_.partitions)) load(p);
}

void CoordinatorRuntime::load(int32_t partition) {
  Slot* s = slots_.at(size_t(partition)).get();
  int expected = not_owned;
  if (!s->state.compare_exchange_strong(expected, loading)) return;
  s->post_raw([s] { s->load(); });
}

void CoordinatorRuntime::unload(int32_t partition) {
  Slot* s = slots_.at(size_t(partition)).get();
  s->post_raw([s] { s->unload(); });
}

void CoordinatorRuntime::write_end_marker(int32_t partition, TxnProducer producer, int32_t coordinator_epoch,
                                          bool commit, std::function<void(int16_t)> done) {
  if (partition < 0 || partition >= options_.partitions || stopping_) return done(kNotCoordinator);
  Slot* s = slots_[size_t(partition)].get();
  s->post_raw([s, producer, coordinator_epoch, commit, done = std::move(done)]() mutable {
    s->write_end_marker(producer, coordinator_epoch, commit, std::move(done));
  });
}

void CoordinatorRuntime::submit(int32_t partition, Event event) {
  if (partition < 0 || partition >= options_.partitions) return event(nullptr, kNotCoordinator);
  Slot* s = slots_[size_t(partition)].get();
  if (int16_t e = status(partition)) return event(nullptr, e);
  s->post_raw([s, event = std::move(event)] {
    if (s->state != active || !s->shard()) return event(nullptr, kNotCoordinator);
    event(s->shard(), 0);
  });
}

int16_t CoordinatorRuntime::status(int32_t partition) const {
  if (partition < 0 || partition >= options_.partitions || stopping_) return kNotCoordinator;
  switch (slots_[size_t(partition)]->state.load()) {
    case active: return 0;
    case loading: return kCoordinatorLoadInProgress;
    default: return kNotCoordinator;
  }
}

bool CoordinatorRuntime::wait_loaded(std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    bool any = false;
    for (const auto& s : slots_) any = any || s->state == loading;
    if (!any) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

void CoordinatorRuntime::shutdown() {
  if (stopped_) return;
  stopped_ = true;
  stopping_ = true;
  if (started_) {
    for (int32_t p = 0; p < options_.partitions; ++p) unload(p);
    // Durability callbacks still to come point at slots: wait for them
    // (the logs' flusher still runs) before the slots go.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (durability_waits_ > 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    // The threads run what was posted (the unloads) and then return.
    work_.reset();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
}

}  // namespace fjord::broker::coordinator
