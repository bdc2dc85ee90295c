#include "latency_consumer.h"

#include "kafka_handle.h"
#include "payload_stamp.h"

namespace fjord::bench {
namespace {

void note_error(ConsumeOutcome& out, const std::string& what) {
  if (out.errors++ == 0) out.first_error = what;
}

}  // namespace

ConsumeOutcome consume_records(const std::string& brokers, const std::string& topic,
                               const std::vector<std::int64_t>& start_offsets, int fetch_wait_ms, std::uint64_t nonce,
                               ConsumeControl& control, const std::atomic<bool>& stop) {
  ConsumeOutcome out;
  KafkaConfig conf;
  // librdkafka 2.0.2 refuses assign() without a group.id; the group is never
  // joined (no subscribe) and nothing is committed.
  conf.set("bootstrap.servers", brokers)
      .set("group.id", "fjord-bench-" + std::to_string(nonce))
      .set("fetch.wait.max.ms", std::to_string(fetch_wait_ms))
      .set("enable.partition.eof", "false")
      .set("enable.auto.commit", "false")
      .set("enable.auto.offset.store", "false")
      .set("auto.offset.reset", "error")  // a reset would silently skip or replay records
      .set("log_level", "3");
  std::string error;
  KafkaPtr rk = conf.create(RD_KAFKA_CONSUMER, error);
  if (!rk) {
    note_error(out, error);
    control.ready = true;
    return out;
  }
  rd_kafka_poll_set_consumer(rk.get());
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(start_offsets.size())));
  for (std::size_t p = 0; p < start_offsets.size(); ++p)
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), static_cast<int>(p))->offset = start_offsets[p];
  if (const rd_kafka_resp_err_t err = rd_kafka_assign(rk.get(), list.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    note_error(out, std::string("assign: ") + rd_kafka_err2str(err));
    control.ready = true;
    return out;
  }
  out.assigned_ns = now_ns();
  control.ready = true;

  while (!stop.load(std::memory_order_relaxed)) {
    if (out.consumed >= control.expected.load(std::memory_order_relaxed)) break;
    const std::uint64_t deadline = control.deadline_ns.load(std::memory_order_relaxed);
    if (deadline != 0 && now_ns() > deadline) break;
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(rk.get(), 100);
    if (msg == nullptr) continue;
    const std::uint64_t now = now_ns();
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      note_error(out, std::string("consume: ") + rd_kafka_message_errstr(msg));
    } else if (const auto stamp = read_stamp(msg->payload, msg->len); stamp && stamp->run_nonce == nonce) {
      ++out.consumed;
      out.bytes += msg->len;
      out.last_ns = now;
      out.e2e_latency.record(now >= stamp->send_ns ? now - stamp->send_ns : 0);
    } else {
      ++out.foreign;
    }
    rd_kafka_message_destroy(msg);
  }
  rd_kafka_assign(rk.get(), nullptr);
  rd_kafka_consumer_close(rk.get());
  return out;
}

}  // namespace fjord::bench
