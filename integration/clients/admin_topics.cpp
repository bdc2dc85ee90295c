#include "rdkafka_support.h"
#include "scenarios.h"

namespace fjord_it {

void admin_topics(const std::string& bootstrap) {
  using namespace std::chrono_literals;
  auto admin = make_producer(bootstrap, {}, nullptr);
  expect(partition_count(*admin, "admin-made") == -1, "admin-made exists before creation");

  auto err = create_topic(*admin, "admin-made", 3);
  expect(err == RdKafka::ERR_NO_ERROR, "CreateTopics admin-made: " + RdKafka::err2str(err));
  await_partition_count(*admin, "admin-made", 3, 10s);

  err = create_topic(*admin, "admin-made", 5);
  expect(err == RdKafka::ERR_TOPIC_ALREADY_EXISTS,
         "CreateTopics on an existing topic: " + RdKafka::err2str(err));
  await_partition_count(*admin, "admin-made", 3, 1s);

  err = create_topic(*admin, "doomed", 2);
  expect(err == RdKafka::ERR_NO_ERROR, "CreateTopics doomed: " + RdKafka::err2str(err));
  await_partition_count(*admin, "doomed", 2, 10s);
  err = delete_topic(*admin, "doomed");
  expect(err == RdKafka::ERR_NO_ERROR, "DeleteTopics doomed: " + RdKafka::err2str(err));
  await_partition_count(*admin, "doomed", -1, 10s);
  await_partition_count(*admin, "admin-made", 3, 1s);

  err = delete_topic(*admin, "never-existed");
  expect(err == RdKafka::ERR_UNKNOWN_TOPIC_OR_PART,
         "DeleteTopics on a missing topic: " + RdKafka::err2str(err));

  // A deleted name can be created again, empty.
  err = create_topic(*admin, "doomed", 1);
  expect(err == RdKafka::ERR_NO_ERROR, "re-CreateTopics doomed: " + RdKafka::err2str(err));
  await_partition_count(*admin, "doomed", 1, 10s);
  int64_t low = -1, high = -1;
  err = admin->query_watermark_offsets("doomed", 0, &low, &high, 10000);
  expect(err == RdKafka::ERR_NO_ERROR && low == 0 && high == 0,
         "re-created topic is not empty: " + std::to_string(low) + ".." + std::to_string(high));
}

}  // namespace fjord_it
