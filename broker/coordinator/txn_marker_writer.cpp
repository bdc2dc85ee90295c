#include "broker/coordinator/txn_marker_writer.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "broker/coordinator/coordinator_runtime.h"
#include "broker/topics/internal_topics.h"

namespace fjord::broker::coordinator {

// One write(): the partitions still owed and those that failed.
struct TxnMarkerWriter::Round {
  TxnProducer producer;
  int32_t coordinator_epoch = 0;
  bool commit = false;
  std::mutex mu;
  size_t left = 0;
  std::vector<TopicPartition> failed;
  std::function<void(std::vector<TopicPartition>)> done;
  std::atomic<int64_t>* in_flight = nullptr;
};

TxnMarkerWriter::TxnMarkerWriter(storage::LogManager& logs, std::function<void(const std::string&, int32_t)> on_appended)
    : logs_(logs), on_appended_(std::move(on_appended)) {}

TxnMarkerWriter::~TxnMarkerWriter() { drain(30000); }

void TxnMarkerWriter::write(TxnProducer producer, int32_t coordinator_epoch, bool commit,
                            const std::vector<TopicPartition>& partitions,
                            std::function<void(std::vector<TopicPartition>)> done) {
  if (partitions.empty()) return done({});
  auto round = std::make_shared<Round>();
  round->producer = producer;
  round->coordinator_epoch = coordinator_epoch;
  round->commit = commit;
  round->left = partitions.size();
  round->done = std::move(done);
  round->in_flight = &in_flight_;
  in_flight_ += int64_t(partitions.size());
  for (const auto& tp : partitions) write_one(round, tp);
}

void TxnMarkerWriter::finish(const std::shared_ptr<Round>& round, const TopicPartition& tp, bool failed) {
  std::unique_lock lock(round->mu);
  if (failed) round->failed.push_back(tp);
  const bool last = --round->left == 0;
  lock.unlock();
  if (last) round->done(std::move(round->failed));
  --*round->in_flight;  // after done: drain() waits for the callbacks to return
}

void TxnMarkerWriter::write_one(const std::shared_ptr<Round>& round, const TopicPartition& tp) {
  if (tp.first == kConsumerOffsetsTopic && offsets_runtime_) {
    offsets_runtime_->write_end_marker(tp.second, round->producer, round->coordinator_epoch, round->commit,
                                       [round, tp](int16_t error) {
                                         if (error)
                                           spdlog::warn("transaction marker for {}-{} not written (error {}); retrying",
                                                        tp.first, tp.second, error);
                                         finish(round, tp, error != 0);
                                       });
    return;
  }
  auto log = logs_.partition(tp.first, tp.second);
  if (!log) {
    spdlog::info("transaction marker for {}-{}: the partition no longer exists", tp.first, tp.second);
    return finish(round, tp, false);
  }
  storage::AppendInfo info;
  storage::Errc e = log->append_txn_marker(round->producer.id, round->producer.epoch, round->commit,
                                           round->coordinator_epoch, &info);
  if (e == storage::Errc::unknown_topic) return finish(round, tp, false);
  if (e == storage::Errc::invalid_producer_epoch || e == storage::Errc::transaction_coordinator_fenced) {
    // The partition has seen a newer producer epoch or coordinator: this
    // marker is obsolete (Kafka drops it too) and retrying cannot help.
    spdlog::error("transaction marker for {}-{} refused: {}", tp.first, tp.second, storage::to_string(e));
    return finish(round, tp, false);
  }
  if (e != storage::Errc::ok) {
    spdlog::warn("transaction marker for {}-{} not written: {}; retrying", tp.first, tp.second, storage::to_string(e));
    return finish(round, tp, true);
  }
  log->when_durable(info.last_offset, [this, round, tp](bool ok) {
    if (ok && on_appended_) on_appended_(tp.first, tp.second);
    finish(round, tp, !ok);
  });
}

void TxnMarkerWriter::drain(int64_t timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (in_flight_ > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

}  // namespace fjord::broker::coordinator
