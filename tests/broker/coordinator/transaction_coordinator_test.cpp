// One transaction coordinator shard driven by hand (FakeShardServices, a
// marker writer that records): InitProducerId, AddPartitionsToTxn, EndTxn
// and their errors as Kafka 3.9 gives them, fencing, timeouts, loading and
// transactional id expiration.
#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "../../storage/test_support.h"
#include "broker/coordinator/transaction_coordinator_shard.h"
#include "broker/coordinator/transaction_errors.h"
#include "broker/coordinator/transaction_records.h"
#include "fake_shard_services.h"

namespace fjord::broker::coordinator::test {
namespace {

namespace err = txn_error;
using S = TxnState;
using PE = TransactionCoordinatorShard::ProducerIdAndEpoch;

// Records the markers asked for; the test finishes them.
class RecordingMarkers : public TxnMarkerWriter {
 public:
  explicit RecordingMarkers(storage::LogManager& logs) : TxnMarkerWriter(logs, nullptr) {}
  struct Call {
    TxnProducer producer;
    bool commit;
    std::vector<TopicPartition> partitions;
    std::function<void(std::vector<TopicPartition>)> done;
  };
  void write(TxnProducer producer, int32_t, bool commit, const std::vector<TopicPartition>& partitions,
             std::function<void(std::vector<TopicPartition>)> done) override {
    calls.push_back({producer, commit, partitions, std::move(done)});
  }
  // Answers the oldest unanswered call.
  void finish(std::vector<TopicPartition> failed = {}) {
    ASSERT_LT(answered, calls.size());
    calls[answered++].done(std::move(failed));
  }
  std::vector<Call> calls;
  size_t answered = 0;
};

struct TxnHarness {
  storage::test::TempDir dir;
  std::unique_ptr<storage::LogManager> logs;
  std::unique_ptr<RecordingMarkers> markers;
  std::unique_ptr<FakeShardServices> services = std::make_unique<FakeShardServices>();
  std::unique_ptr<TransactionCoordinatorShard> shard;
  int64_t next_pid = 1000;
  TransactionConfig config;

  TxnHarness() {
    storage::StorageConfig c;
    c.log_dirs = {dir.path()};
    logs = std::make_unique<storage::LogManager>(c);
    EXPECT_EQ(logs->open(), storage::Errc::ok);
    markers = std::make_unique<RecordingMarkers>(*logs);
    config.max_timeout_ms = 100000;
    make_shard();
  }
  ~TxnHarness() {
    shard.reset();
    logs->shutdown();
  }
  void make_shard() {
    shard = std::make_unique<TransactionCoordinatorShard>(*services, config, *markers, [this] { return next_pid++; }, 0);
    services->shard = shard.get();
  }

  TransactionCoordinatorShard::InitResult init(const std::string& id, int32_t timeout = 60000,
                                               std::optional<PE> expected = std::nullopt) {
    std::optional<TransactionCoordinatorShard::InitResult> out;
    shard->init_producer_id(id, timeout, expected, [&](auto r) { out = r; });
    services->settle();
    EXPECT_TRUE(out);
    return out.value_or(TransactionCoordinatorShard::InitResult{-2, {}});
  }
  int16_t add(const std::string& id, PE p, std::set<TopicPartition> parts) {
    std::optional<int16_t> out;
    shard->add_partitions(id, p, parts, [&](int16_t e) { out = e; });
    services->settle();
    return out.value_or(-2);
  }
  int16_t end(const std::string& id, PE p, bool commit) {
    std::optional<int16_t> out;
    shard->end_txn(id, p, commit, [&](int16_t e) { out = e; });
    services->settle();
    return out.value_or(-2);
  }
  const TransactionMetadata& md(const std::string& id) { return *shard->transaction(id); }
};

TEST(TransactionCoordinator, InitProducerIdGivesAnIdAndBumpsItsEpoch) {
  TxnHarness h;
  auto first = h.init("tx1");
  EXPECT_EQ(first.error, 0);
  EXPECT_EQ(first.producer.id, 1000);
  EXPECT_EQ(first.producer.epoch, 0);
  auto second = h.init("tx1");
  EXPECT_EQ(second.producer.id, 1000);
  EXPECT_EQ(second.producer.epoch, 1);
  EXPECT_EQ(h.md("tx1").state(), S::empty);
  // What is in the log: two Empty states.
  ASSERT_EQ(h.services->log.size(), 2u);
  TxnTransition t;
  ASSERT_TRUE(decode_transaction_value(*h.services->log[1].value, &t));
  EXPECT_EQ(t.producer_epoch, 1);
}

TEST(TransactionCoordinator, InitProducerIdRejectsBadInput) {
  TxnHarness h;
  EXPECT_EQ(h.init("").error, err::kInvalidRequest);
  EXPECT_EQ(h.init("tx", 0).error, err::kInvalidTransactionTimeout);
  EXPECT_EQ(h.init("tx", 100001).error, err::kInvalidTransactionTimeout);
  auto ok = h.init("tx");
  // KIP-360: an id the producer claims that is not this one's.
  EXPECT_EQ(h.init("tx", 60000, PE{ok.producer.id + 5, 0}).error, err::kProducerFenced);
  EXPECT_EQ(h.init("tx", 60000, PE{ok.producer.id, 0}).producer.epoch, 1);
}

TEST(TransactionCoordinator, CommitWritesPrepareMarkersThenComplete) {
  TxnHarness h;
  const PE p = h.init("tx").producer;
  EXPECT_EQ(h.add("tx", p, {{"t", 0}, {"t", 1}}), 0);
  EXPECT_EQ(h.md("tx").state(), S::ongoing);
  EXPECT_EQ(h.add("tx", p, {{"t", 1}}), 0);  // already in it: nothing written
  const size_t written = h.services->log.size();

  EXPECT_EQ(h.end("tx", p, true), 0);
  EXPECT_EQ(h.services->log.size(), written + 1);
  EXPECT_EQ(h.md("tx").state(), S::prepare_commit);
  ASSERT_EQ(h.markers->calls.size(), 1u);
  EXPECT_TRUE(h.markers->calls[0].commit);
  EXPECT_EQ(h.markers->calls[0].producer.id, p.id);
  EXPECT_EQ(h.markers->calls[0].producer.epoch, p.epoch);
  EXPECT_EQ(h.markers->calls[0].partitions, (std::vector<TopicPartition>{{"t", 0}, {"t", 1}}));
  // Until the markers are written everything else waits.
  EXPECT_EQ(h.end("tx", p, true), err::kConcurrentTransactions);
  EXPECT_EQ(h.end("tx", p, false), err::kConcurrentTransactions);
  EXPECT_EQ(h.add("tx", p, {{"t", 2}}), err::kConcurrentTransactions);
  EXPECT_EQ(h.init("tx").error, err::kConcurrentTransactions);

  h.markers->finish();
  h.services->settle();
  EXPECT_EQ(h.md("tx").state(), S::complete_commit);
  EXPECT_TRUE(h.md("tx").partitions().empty());
  EXPECT_EQ(h.end("tx", p, true), 0);  // a retried commit
  EXPECT_EQ(h.end("tx", p, false), err::kInvalidTxnState);
  // The next transaction starts from CompleteCommit.
  EXPECT_EQ(h.add("tx", p, {{"t", 5}}), 0);
  EXPECT_EQ(h.end("tx", p, false), 0);
  h.markers->finish();
  h.services->settle();
  EXPECT_EQ(h.md("tx").state(), S::complete_abort);
  EXPECT_FALSE(h.markers->calls[1].commit);
}

TEST(TransactionCoordinator, ErrorsAsKafkaGivesThem) {
  TxnHarness h;
  EXPECT_EQ(h.end("unknown", PE{1, 0}, true), err::kInvalidProducerIdMapping);
  EXPECT_EQ(h.add("unknown", PE{1, 0}, {{"t", 0}}), err::kInvalidProducerIdMapping);
  EXPECT_EQ(h.end("", PE{1, 0}, true), err::kInvalidRequest);
  const PE p = h.init("tx").producer;
  EXPECT_EQ(h.end("tx", p, true), err::kInvalidTxnState);  // nothing to commit
  EXPECT_EQ(h.add("tx", PE{p.id + 1, p.epoch}, {{"t", 0}}), err::kInvalidProducerIdMapping);
  EXPECT_EQ(h.add("tx", PE{p.id, int16_t(p.epoch + 1)}, {{"t", 0}}), err::kProducerFenced);
  EXPECT_EQ(h.add("tx", p, {{"t", 0}}), 0);
  EXPECT_EQ(h.end("tx", PE{p.id, int16_t(p.epoch + 1)}, true), err::kProducerFenced);
  std::map<TopicPartition, int16_t> v;
  EXPECT_EQ(h.shard->verify_partitions("tx", p, {{"t", 0}, {"t", 9}}, &v), 0);
  EXPECT_EQ(v[TopicPartition("t", 0)], 0);
  EXPECT_EQ(v[TopicPartition("t", 9)], err::kInvalidTxnState);
  EXPECT_EQ(h.shard->verify_partitions("tx", PE{p.id, 9}, {{"t", 0}}, &v), err::kProducerFenced);
  EXPECT_EQ(h.shard->verify_partitions("nope", p, {{"t", 0}}, &v), err::kInvalidProducerIdMapping);
}

TEST(TransactionCoordinator, ANewProducerFencesTheOpenTransaction) {
  TxnHarness h;
  const PE old = h.init("tx").producer;
  ASSERT_EQ(h.add("tx", old, {{"t", 0}}), 0);
  // The new instance's InitProducerId aborts with a bumped epoch and says "retry".
  EXPECT_EQ(h.init("tx").error, err::kConcurrentTransactions);
  EXPECT_EQ(h.md("tx").state(), S::prepare_abort);
  EXPECT_EQ(h.md("tx").producer_epoch(), old.epoch + 1);
  ASSERT_EQ(h.markers->calls.size(), 1u);
  EXPECT_FALSE(h.markers->calls[0].commit);
  EXPECT_EQ(h.markers->calls[0].producer.epoch, old.epoch + 1);
  EXPECT_EQ(h.end("tx", old, true), err::kProducerFenced);
  EXPECT_EQ(h.init("tx").error, err::kConcurrentTransactions);  // still aborting
  h.markers->finish();
  h.services->settle();
  auto again = h.init("tx");
  EXPECT_EQ(again.error, 0);
  EXPECT_EQ(again.producer.epoch, old.epoch + 2);
  EXPECT_EQ(h.add("tx", old, {{"t", 0}}), err::kProducerFenced);
}

TEST(TransactionCoordinator, TimedOutTransactionsAreAbortedWithABumpedEpoch) {
  TxnHarness h;
  const PE p = h.init("tx", 5000).producer;
  ASSERT_EQ(h.add("tx", p, {{"t", 0}}), 0);
  h.shard->on_loaded();  // starts the timers
  h.services->advance(4000);
  EXPECT_EQ(h.md("tx").state(), S::ongoing);
  h.services->advance(10000);  // transaction.abort.timed.out.transaction.cleanup.interval.ms
  EXPECT_EQ(h.md("tx").state(), S::prepare_abort);
  ASSERT_EQ(h.markers->calls.size(), 1u);
  EXPECT_EQ(h.markers->calls[0].producer.epoch, p.epoch + 1);
  h.markers->finish();
  h.services->settle();
  EXPECT_EQ(h.md("tx").state(), S::complete_abort);
  EXPECT_EQ(h.end("tx", p, true), err::kProducerFenced);
}

TEST(TransactionCoordinator, FailedMarkersAreSentAgain) {
  TxnHarness h;
  const PE p = h.init("tx").producer;
  ASSERT_EQ(h.add("tx", p, {{"a", 0}, {"b", 0}}), 0);
  ASSERT_EQ(h.end("tx", p, true), 0);
  h.markers->finish({{"b", 0}});
  h.services->settle();
  EXPECT_EQ(h.md("tx").state(), S::prepare_commit);
  h.services->advance(100);
  ASSERT_EQ(h.markers->calls.size(), 2u);
  EXPECT_EQ(h.markers->calls[1].partitions, (std::vector<TopicPartition>{{"b", 0}}));
  h.markers->finish();
  h.services->settle();
  EXPECT_EQ(h.md("tx").state(), S::complete_commit);
}

TEST(TransactionCoordinator, LoadingFinishesDecidedTransactionsAndAbortsOldOnes) {
  TxnHarness h;
  const PE p = h.init("decided").producer;
  ASSERT_EQ(h.add("decided", p, {{"t", 0}}), 0);
  ASSERT_EQ(h.end("decided", p, true), 0);  // PrepareCommit written, markers never finished
  const PE q = h.init("open", 5000).producer;
  ASSERT_EQ(h.add("open", q, {{"t", 1}}), 0);
  auto log = h.services->log;

  // A restart: a new shard replays the log.
  h.services = std::make_unique<FakeShardServices>();
  h.services->now = 1'000'000 + 60000;
  h.make_shard();
  for (const auto& r : log) {
    RecordView v{{r.key.data(), r.key.size()}, std::nullopt};
    if (r.value) v.value = std::span<const uint8_t>(r.value->data(), r.value->size());
    h.shard->replay(v);
  }
  EXPECT_EQ(h.md("decided").state(), S::prepare_commit);
  EXPECT_EQ(h.md("open").state(), S::ongoing);
  h.shard->on_loaded();
  ASSERT_EQ(h.markers->calls.size(), 2u);  // the commit's markers again
  EXPECT_TRUE(h.markers->calls[1].commit);
  h.markers->answered = 1;
  h.markers->finish();
  h.services->settle();
  EXPECT_EQ(h.md("decided").state(), S::complete_commit);
  h.services->advance(10000);  // the open one timed out long ago
  EXPECT_EQ(h.md("open").state(), S::prepare_abort);
}

TEST(TransactionCoordinator, IdleTransactionalIdsExpire) {
  TxnHarness h;
  h.config.id_expiration_ms = 1000;
  h.make_shard();
  h.init("old");
  h.shard->on_loaded();
  h.services->advance(3600000);
  EXPECT_EQ(h.shard->transaction("old"), nullptr);
  EXPECT_FALSE(h.services->log.back().value);  // its tombstone
}

TEST(TransactionCoordinator, ListFilters) {
  TxnHarness h;
  const PE a = h.init("a").producer;
  h.init("b");
  ASSERT_EQ(h.add("a", a, {{"t", 0}}), 0);
  std::vector<const TransactionMetadata*> out;
  h.shard->list({}, {}, -1, &out);
  EXPECT_EQ(out.size(), 2u);
  out.clear();
  h.shard->list({S::ongoing}, {}, -1, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]->transactional_id(), "a");
  out.clear();
  h.shard->list({}, {a.id + 1}, -1, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]->transactional_id(), "b");
  out.clear();
  h.services->now += 5000;
  h.shard->list({S::ongoing}, {}, 10000, &out);  // not running that long yet
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace fjord::broker::coordinator::test
