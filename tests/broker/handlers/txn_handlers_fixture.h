#pragma once
// The transaction APIs' handler tests: the shared HandlersTest with a real
// group coordinator (4 partitions), transaction coordinator (3 partitions)
// and marker writer over the fixture's logs, and a way to wait for answers
// that come from the coordinators' threads.
#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "broker/coordinator/group_coordinator.h"
#include "broker/coordinator/transaction_coordinator.h"
#include "broker/coordinator/txn_marker_writer.h"
#include "broker/net/frame_decoder.h"
#include "handler_fixture.h"

namespace fjord::broker {

class TxnHandlersTest : public HandlersTest {
 protected:
  void SetUp() override {
    start({});
    coordinator::GroupCoordinatorOptions g;
    g.group.initial_rebalance_delay_ms = 0;
    g.offsets_topic_partitions = 4;
    groups_ = std::make_unique<coordinator::GroupCoordinator>(*logs_, leadership_, g);
    groups_->start();
    markers_ = std::make_unique<coordinator::TxnMarkerWriter>(*logs_, nullptr);
    markers_->set_offsets_runtime(&groups_->runtime());
    coordinator::TransactionCoordinatorOptions t;
    t.state_topic_partitions = 3;
    txns_ = std::make_unique<coordinator::TransactionCoordinator>(*logs_, leadership_, t,
                                                                  [this] { return next_pid_++; }, *markers_);
    txns_->start();
    ASSERT_TRUE(groups_->runtime().wait_loaded(std::chrono::seconds(10)));
    ASSERT_TRUE(txns_->runtime().wait_loaded(std::chrono::seconds(10)));
    ctx_->groups = groups_.get();
    ctx_->transaction_coordinator = txns_.get();
  }
  void TearDown() override {
    txns_->shutdown();
    markers_->drain(10000);
    groups_->shutdown();
    HandlersTest::TearDown();
  }

  // InitProducerId for a transactional id, straight on its shard.
  coordinator::TransactionCoordinatorShard::ProducerIdAndEpoch init(const std::string& id) {
    std::promise<coordinator::TransactionCoordinatorShard::InitResult> p;
    txns_->run(id, [&](coordinator::TransactionCoordinatorShard* s, int16_t e) {
      if (!s) return p.set_value({e, {}});
      s->init_producer_id(id, 60000, std::nullopt, [&](auto r) { p.set_value(r); });
    });
    auto r = p.get_future().get();
    EXPECT_EQ(r.error, 0);
    return r.producer;
  }

  // The id's transaction state, read on its shard ("" when unknown).
  std::string state_of(const std::string& id) {
    std::promise<std::string> p;
    txns_->run(id, [&](coordinator::TransactionCoordinatorShard* s, int16_t) {
      const auto* md = s ? s->transaction(id) : nullptr;
      p.set_value(md ? std::string(coordinator::txn_state_name(md->state())) : "");
    });
    return p.get_future().get();
  }

  // Waits until the id's transaction reaches `state` (markers complete in the background).
  bool wait_state(const std::string& id, const std::string& state) {
    for (int i = 0; i < 500; ++i) {
      if (state_of(id) == state) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  LocalLeadership leadership_;
  std::unique_ptr<coordinator::GroupCoordinator> groups_;
  std::unique_ptr<coordinator::TxnMarkerWriter> markers_;
  std::unique_ptr<coordinator::TransactionCoordinator> txns_;
  std::atomic<int64_t> next_pid_{5000};
};

}  // namespace fjord::broker
