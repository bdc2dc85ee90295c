// ListTransactions through its handler: every shard's transactions, filtered
// by state, producer id and (v1) duration; unknown state names reported.
#include <algorithm>

#include "protocol/messages/add_partitions_to_txn_request.h"
#include "protocol/messages/add_partitions_to_txn_response.h"
#include "protocol/messages/list_transactions_request.h"
#include "protocol/messages/list_transactions_response.h"
#include "txn_handlers_fixture.h"

namespace fjord::broker {
namespace {

class ListTransactionsTest : public TxnHandlersTest {};

std::vector<std::string> ids_of(const protocol::ListTransactionsResponse& r) {
  std::vector<std::string> ids;
  for (const auto& t : r.transaction_states) ids.push_back(t.transactional_id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST_F(ListTransactionsTest, FiltersAcrossShards) {
  ASSERT_EQ(create("events", 1, 1).topics.at(0).error_code, 0);
  std::vector<coordinator::TransactionCoordinatorShard::ProducerIdAndEpoch> producers;
  for (const char* id : {"a", "b", "c", "d"}) producers.push_back(init(id));
  protocol::AddPartitionsToTxnRequest add;
  add.v3_and_below_transactional_id = "b";
  add.v3_and_below_producer_id = producers[1].id;
  add.v3_and_below_producer_epoch = producers[1].epoch;
  add.v3_and_below_topics.push_back({"events", {0}});
  ask<protocol::AddPartitionsToTxnResponse>(add, 3);

  protocol::ListTransactionsRequest all;
  for (int16_t v : {0, 1}) {
    auto r = ask<protocol::ListTransactionsResponse>(all, v);
    EXPECT_EQ(r.error_code, 0);
    EXPECT_EQ(ids_of(r), (std::vector<std::string>{"a", "b", "c", "d"})) << "v" << v;
  }
  protocol::ListTransactionsRequest ongoing;
  ongoing.state_filters = {"Ongoing", "Bogus"};
  auto r = ask<protocol::ListTransactionsResponse>(ongoing, 1);
  EXPECT_EQ(ids_of(r), (std::vector<std::string>{"b"}));
  EXPECT_EQ(r.transaction_states.at(0).transaction_state, "Ongoing");
  EXPECT_EQ(r.transaction_states.at(0).producer_id, producers[1].id);
  EXPECT_EQ(r.unknown_state_filters, (std::vector<std::string>{"Bogus"}));

  protocol::ListTransactionsRequest by_producer;
  by_producer.producer_id_filters = {producers[2].id};
  EXPECT_EQ(ids_of(ask<protocol::ListTransactionsResponse>(by_producer, 0)), (std::vector<std::string>{"c"}));

  protocol::ListTransactionsRequest long_running;
  long_running.state_filters = {"Ongoing"};
  long_running.duration_filter = 3600000;  // none has run an hour
  EXPECT_TRUE(ask<protocol::ListTransactionsResponse>(long_running, 1).transaction_states.empty());
}

}  // namespace
}  // namespace fjord::broker
