#include "latency_consumer.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <thread>

#include "kafka_handle.h"
#include "payload_stamp.h"

namespace fjord::bench {
namespace {

void note_error(ConsumeOutcome& out, const std::string& what) {
  if (out.errors++ == 0) out.first_error = what;
}

// Slow records by 50 ms of send time, for --stall-report-ms.
class StallLog {
 public:
  void note(std::uint64_t send_ns, std::uint64_t latency_ns) {
    Bucket& b = buckets_[send_ns / kBucketNs];
    ++b.records;
    b.max_ns = std::max(b.max_ns, latency_ns);
  }
  void print(std::uint64_t from_ns, int instance_partition) const {
    for (const auto& [k, b] : buckets_)
      // The monotonic time too, to line up with perf's timestamps.
      std::fprintf(stderr,
                   "stall: consumer of partition %d, sent at +%.2f s (monotonic %.2f): %llu records slow, max %.1f ms\n",
                   instance_partition, (static_cast<double>(k * kBucketNs) - static_cast<double>(from_ns)) / 1e9,
                   static_cast<double>(k * kBucketNs) / 1e9, static_cast<unsigned long long>(b.records),
                   static_cast<double>(b.max_ns) / 1e6);
  }

 private:
  static constexpr std::uint64_t kBucketNs = 50'000'000;
  struct Bucket {
    std::uint64_t records = 0;
    std::uint64_t max_ns = 0;
  };
  std::map<std::uint64_t, Bucket> buckets_;
};

struct PartitionStart {
  int partition;
  std::int64_t offset;
};

void consume_share(const std::string& brokers, const std::string& topic, const std::vector<PartitionStart>& share,
                   int fetch_wait_ms, std::uint64_t nonce, ConsumeControl& control, const std::atomic<bool>& stop,
                   ConsumeOutcome& out) {
  out.instances = 1;
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
    ++control.ready;
    return;
  }
  rd_kafka_poll_set_consumer(rk.get());
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(share.size())));
  for (const PartitionStart& p : share)
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p.partition)->offset = p.offset;
  if (const rd_kafka_resp_err_t err = rd_kafka_assign(rk.get(), list.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    note_error(out, std::string("assign: ") + rd_kafka_err2str(err));
    ++control.ready;
    return;
  }
  out.assigned_ns = now_ns();
  ++control.ready;

  StallLog stalls;
  while (!stop.load(std::memory_order_relaxed) && !control.abandon.load(std::memory_order_relaxed)) {
    if (control.consumed.load(std::memory_order_relaxed) >= control.expected.load(std::memory_order_relaxed)) break;
    const std::uint64_t deadline = control.deadline_ns.load(std::memory_order_relaxed);
    if (deadline != 0 && now_ns() > deadline) break;
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(rk.get(), 100);
    if (msg == nullptr) continue;
    const std::uint64_t now = now_ns();
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      note_error(out, std::string("consume: ") + rd_kafka_message_errstr(msg));
      // With auto.offset.reset=error librdkafka reports a vanished offset as
      // __AUTO_OFFSET_RESET rather than the broker's OFFSET_OUT_OF_RANGE.
      if (msg->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE || msg->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET) {
        ++out.out_of_range;
        control.abandon = true;
      }
    } else if (const auto stamp = read_stamp(msg->payload, msg->len); stamp && stamp->run_nonce == nonce) {
      ++out.consumed;
      control.consumed.fetch_add(1, std::memory_order_relaxed);
      out.bytes += msg->len;
      out.last_ns = now;
      const std::uint64_t latency = now >= stamp->send_ns ? now - stamp->send_ns : 0;
      if (stamp->send_ns >= control.measure_from_ns.load(std::memory_order_relaxed)) {
        out.e2e_latency.record(latency);
        if (control.stall_report_ns > 0 && latency > control.stall_report_ns) stalls.note(stamp->send_ns, latency);
      }
    } else {
      ++out.foreign;
    }
    rd_kafka_message_destroy(msg);
  }
  stalls.print(control.measure_from_ns.load(), share.front().partition);
  rd_kafka_assign(rk.get(), nullptr);
  rd_kafka_consumer_close(rk.get());
}

}  // namespace

void ConsumeOutcome::merge(const ConsumeOutcome& o) {
  consumed += o.consumed;
  bytes += o.bytes;
  foreign += o.foreign;
  if (first_error.empty() && !o.first_error.empty()) first_error = o.first_error;
  errors += o.errors;
  out_of_range += o.out_of_range;
  if (o.assigned_ns != 0 && (assigned_ns == 0 || o.assigned_ns < assigned_ns)) assigned_ns = o.assigned_ns;
  last_ns = std::max(last_ns, o.last_ns);
  instances += o.instances;
  e2e_latency.merge(o.e2e_latency);
}

int consumer_instances(int requested, std::size_t partitions) {
  return static_cast<int>(std::clamp<std::size_t>(static_cast<std::size_t>(std::max(requested, 1)), 1,
                                                  std::max<std::size_t>(partitions, 1)));
}

ConsumeOutcome consume_records(const std::string& brokers, const std::string& topic,
                               const std::vector<std::int64_t>& start_offsets, int instances, int fetch_wait_ms,
                               std::uint64_t nonce, ConsumeControl& control, const std::atomic<bool>& stop) {
  const int n = consumer_instances(instances, start_offsets.size());
  std::vector<std::vector<PartitionStart>> shares(static_cast<std::size_t>(n));
  for (std::size_t p = 0; p < start_offsets.size(); ++p)
    shares[p % shares.size()].push_back({static_cast<int>(p), start_offsets[p]});
  std::vector<ConsumeOutcome> outcomes(shares.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < shares.size(); ++i)
    threads.emplace_back(consume_share, std::cref(brokers), std::cref(topic), std::cref(shares[i]), fetch_wait_ms,
                         nonce, std::ref(control), std::cref(stop), std::ref(outcomes[i]));
  for (auto& t : threads) t.join();
  ConsumeOutcome out;
  for (const auto& o : outcomes) out.merge(o);
  return out;
}

}  // namespace fjord::bench
