// Kafka's transaction state machine (TransactionMetadata) and the records of
// __transaction_state: allowed transitions, epoch bumps and fencing, and
// TransactionLogKey/Value round trips.
#include <gtest/gtest.h>

#include "broker/coordinator/transaction_errors.h"
#include "broker/coordinator/transaction_metadata.h"
#include "broker/coordinator/transaction_records.h"

namespace fjord::broker::coordinator {
namespace {

using S = TxnState;

TEST(TransactionState, NamesAndBytesAreKafkas) {
  EXPECT_EQ(txn_state_name(S::empty), "Empty");
  EXPECT_EQ(txn_state_name(S::prepare_epoch_fence), "PrepareEpochFence");
  EXPECT_EQ(txn_state_from_name("CompleteAbort"), S::complete_abort);
  EXPECT_EQ(txn_state_from_name("Aborted"), std::nullopt);
  EXPECT_EQ(txn_state_from_byte(2), S::prepare_commit);
  EXPECT_EQ(txn_state_from_byte(8), std::nullopt);
  EXPECT_EQ(int(S::dead), 6);
}

TEST(TransactionState, TransitionsFollowKafkasValidPreviousStates) {
  EXPECT_TRUE(txn_transition_allowed(S::empty, S::ongoing));
  EXPECT_TRUE(txn_transition_allowed(S::complete_commit, S::ongoing));
  EXPECT_TRUE(txn_transition_allowed(S::ongoing, S::ongoing));
  EXPECT_TRUE(txn_transition_allowed(S::ongoing, S::prepare_commit));
  EXPECT_TRUE(txn_transition_allowed(S::prepare_epoch_fence, S::prepare_abort));
  EXPECT_TRUE(txn_transition_allowed(S::prepare_commit, S::complete_commit));
  EXPECT_TRUE(txn_transition_allowed(S::complete_abort, S::dead));
  EXPECT_FALSE(txn_transition_allowed(S::empty, S::prepare_commit));
  EXPECT_FALSE(txn_transition_allowed(S::prepare_commit, S::complete_abort));
  EXPECT_FALSE(txn_transition_allowed(S::ongoing, S::dead));
  EXPECT_FALSE(txn_transition_allowed(S::ongoing, S::empty));
  EXPECT_FALSE(txn_transition_allowed(S::empty, S::prepare_epoch_fence));
}

TEST(TransactionMetadata, AFullTransaction) {
  TransactionMetadata md("tx", 7, kNoProducerEpoch, 60000, 100);
  auto [error, init] = md.prepare_increment_epoch(60000, std::nullopt, 100);
  ASSERT_EQ(error, 0);
  EXPECT_EQ(init.producer_epoch, 0);  // a new id starts at epoch 0
  EXPECT_TRUE(md.pending_transition());
  ASSERT_TRUE(md.complete_transition(init));
  EXPECT_FALSE(md.pending_transition());

  auto add = md.prepare_add_partitions({{"t", 0}, {"t", 1}}, 200);
  EXPECT_EQ(add.start_timestamp, 200);
  ASSERT_TRUE(md.complete_transition(add));
  auto more = md.prepare_add_partitions({{"u", 0}}, 300);
  EXPECT_EQ(more.start_timestamp, 200);  // the transaction started with its first partition
  ASSERT_TRUE(md.complete_transition(more));
  EXPECT_EQ(md.partitions().size(), 3u);

  auto commit = md.prepare_abort_or_commit(S::prepare_commit, 400);
  ASSERT_TRUE(md.complete_transition(commit));
  auto done = md.prepare_complete(500);
  EXPECT_EQ(done.state, S::complete_commit);
  EXPECT_TRUE(done.partitions.empty());
  ASSERT_TRUE(md.complete_transition(done));
  EXPECT_EQ(md.state(), S::complete_commit);
  EXPECT_EQ(md.producer_epoch(), 0);
}

TEST(TransactionMetadata, AFailedWriteLeavesTheStateAlone) {
  TransactionMetadata md("tx", 7, 3, 60000, 100);
  auto add = md.prepare_add_partitions({{"t", 0}}, 200);
  md.abort_transition();
  EXPECT_EQ(md.state(), S::empty);
  EXPECT_FALSE(md.complete_transition(add));  // nothing pending any more
  EXPECT_TRUE(md.partitions().empty());
}

TEST(TransactionMetadata, EpochBumpsAndRetriesWithExpectedEpoch) {
  TransactionMetadata md("tx", 7, 3, 60000, 100);
  // KIP-360: the producer says it has epoch 3: bump to 4, remember 3.
  auto [e1, bump] = md.prepare_increment_epoch(60000, int16_t(3), 100);
  ASSERT_EQ(e1, 0);
  EXPECT_EQ(bump.producer_epoch, 4);
  EXPECT_EQ(bump.last_producer_epoch, 3);
  ASSERT_TRUE(md.complete_transition(bump));
  // The same request again (the answer was lost): the same epoch.
  auto [e2, retry] = md.prepare_increment_epoch(60000, int16_t(3), 100);
  ASSERT_EQ(e2, 0);
  EXPECT_EQ(retry.producer_epoch, 4);
  md.abort_transition();
  // Any other epoch is a fenced producer.
  auto [e3, fenced] = md.prepare_increment_epoch(60000, int16_t(1), 100);
  EXPECT_EQ(e3, txn_error::kProducerFenced);
  EXPECT_FALSE(md.pending_transition());
}

TEST(TransactionMetadata, RotationAndFencing) {
  TransactionMetadata md("tx", 7, INT16_MAX - 1, 60000, 100);
  EXPECT_TRUE(md.producer_epoch_exhausted());
  auto [error, none] = md.prepare_increment_epoch(60000, std::nullopt, 100);
  EXPECT_NE(error, 0);
  auto rotated = md.prepare_producer_id_rotation(8, 60000, 100, true);
  EXPECT_EQ(rotated.producer_id, 8);
  EXPECT_EQ(rotated.producer_epoch, 0);
  EXPECT_EQ(rotated.last_producer_id, 7);
  ASSERT_TRUE(md.complete_transition(rotated));

  ASSERT_TRUE(md.complete_transition(md.prepare_add_partitions({{"t", 0}}, 200)));
  auto fence = md.prepare_fence_epoch();
  EXPECT_EQ(fence.state, S::prepare_epoch_fence);
  EXPECT_EQ(fence.producer_epoch, 1);
  // The abort is written with the fencing epoch.
  md.take_fenced_epoch(fence.producer_epoch);
  auto abort = md.prepare_abort_or_commit(S::prepare_abort, 300);
  EXPECT_EQ(abort.producer_epoch, 1);
  // Its write failed: the next fence reuses the epoch instead of bumping again.
  md.abort_transition();
  md.set_failed_epoch_fence();
  EXPECT_EQ(md.prepare_fence_epoch().producer_epoch, 1);
}

TEST(TransactionRecords, RoundTripEveryState) {
  for (int8_t b = 0; b <= 7; ++b) {
    TxnTransition t;
    t.producer_id = 1234;
    t.producer_epoch = 5;
    t.timeout_ms = 60000;
    t.state = *txn_state_from_byte(b);
    if (t.state != S::empty) t.partitions = {{"a", 0}, {"a", 3}, {"b", 1}};
    t.start_timestamp = 111;
    t.last_update_timestamp = 222;
    CoordinatorRecord r = transaction_record("my-txn", t);
    std::string id;
    ASSERT_TRUE(decode_transaction_key(r.key, &id));
    EXPECT_EQ(id, "my-txn");
    ASSERT_TRUE(r.value);
    // Kafka's layout: int16 key version 0, then the id as a string.
    EXPECT_EQ(r.key[0], 0);
    EXPECT_EQ(r.key[1], 0);
    EXPECT_EQ((*r.value)[1], 0);  // value version 0
    TxnTransition back;
    ASSERT_TRUE(decode_transaction_value(*r.value, &back));
    EXPECT_EQ(back.producer_id, 1234);
    EXPECT_EQ(back.producer_epoch, 5);
    EXPECT_EQ(back.timeout_ms, 60000);
    EXPECT_EQ(back.state, t.state);
    EXPECT_EQ(back.partitions, t.partitions);
    EXPECT_EQ(back.start_timestamp, 111);
    EXPECT_EQ(back.last_update_timestamp, 222);
  }
  EXPECT_FALSE(transaction_tombstone("x").value);
}

TEST(TransactionRecords, RejectsGarbageAndUnknownStates) {
  std::string id;
  const std::vector<uint8_t> short_key{0};
  EXPECT_FALSE(decode_transaction_key(short_key, &id));
  TxnTransition t;
  t.state = S::ongoing;
  CoordinatorRecord r = transaction_record("x", t);
  auto bad = *r.value;
  bad[2 + 8 + 2 + 4] = 9;  // TransactionStatus after id, epoch, timeout
  TxnTransition out;
  EXPECT_FALSE(decode_transaction_value(bad, &out));
  bad.pop_back();
  EXPECT_FALSE(decode_transaction_value(bad, &out));
}

}  // namespace
}  // namespace fjord::broker::coordinator
