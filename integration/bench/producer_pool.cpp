#include "producer_pool.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "kafka_handle.h"
#include "payload_stamp.h"
#include "send_pacer.h"

namespace fjord::bench {
namespace {

constexpr int kFlushTimeoutMs = 60000;

struct ProducerState {
  LatencyHistogram ack_latency;
  LatencyHistogram commit_latency;
  std::uint64_t transactions = 0;
  std::uint64_t sent = 0;
  std::uint64_t acked = 0;
  std::uint64_t measure_from_ns = 0;  // end of the warm-up
  std::uint64_t measured_acked = 0;
  std::uint64_t failed = 0;
  std::uint64_t unflushed = 0;
  std::uint64_t sleeps = 0;
  std::uint64_t sent_ns = 0;  // end of the send loop
  std::uint64_t done_ns = 0;
  std::string first_error;
};

// Runs on the producer's own thread (inside rd_kafka_poll/flush).
void on_delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* state = static_cast<ProducerState*>(opaque);
  if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (state->failed++ == 0) state->first_error = std::string("delivery: ") + rd_kafka_err2str(msg->err);
    return;
  }
  ++state->acked;
  const auto sent_ns = reinterpret_cast<std::uintptr_t>(msg->_private);
  const std::uint64_t now = now_ns();
  if (now >= state->measure_from_ns) ++state->measured_acked;
  // As the consumers' e2e histogram: records sent during the warm-up (first
  // connections, a fresh broker's first touches of memory) are not measured.
  if (sent_ns >= state->measure_from_ns) state->ack_latency.record(now - sent_ns);
}

// Transactional runs: rd_kafka_error_t results as the state's first error.
bool transaction_ok(rd_kafka_error_t* error, const char* what, ProducerState& state) {
  if (!error) return true;
  if (state.failed++ == 0) state.first_error = std::string(what) + ": " + rd_kafka_error_string(error);
  rd_kafka_error_destroy(error);
  return false;
}

// Commits the open transaction (timed) and begins the next one.
bool commit_and_begin(rd_kafka_t* rk, bool begin, ProducerState& state) {
  const std::uint64_t start = now_ns();
  if (!transaction_ok(rd_kafka_commit_transaction(rk, kFlushTimeoutMs), "commit_transaction", state)) return false;
  ++state.transactions;
  if (start >= state.measure_from_ns) state.commit_latency.record(now_ns() - start);
  return !begin || transaction_ok(rd_kafka_begin_transaction(rk), "begin_transaction", state);
}

void produce_loop(const BenchOptions& o, const ProducePlan& plan, const std::string& brokers, std::uint64_t nonce, int id,
                  std::uint64_t quota, std::uint64_t start_ns, const std::atomic<bool>& stop,
                  ProducerState& state) {
  KafkaConfig conf;
  conf.set("bootstrap.servers", brokers)
      .set("acks", o.acks)
      .set("compression.codec", o.compression)
      .set("linger.ms", std::to_string(plan.linger_ms))
      .set("queue.buffering.max.messages", std::to_string(o.queue_messages))
      .set("enable.idempotence", o.idempotent || o.transaction_records > 0 ? "true" : "false")
      .set("allow.auto.create.topics", "false")
      .set("log_level", o.client_debug.empty() ? "3" : "7");
  if (!o.client_debug.empty()) conf.set("debug", o.client_debug);
  if (o.batch_bytes > 0) conf.set("batch.size", std::to_string(o.batch_bytes));
  if (o.max_in_flight > 0) conf.set("max.in.flight.requests.per.connection", std::to_string(o.max_in_flight));
  const bool transactional = o.transaction_records > 0;
  if (transactional) conf.set("transactional.id", "fjord-bench-" + std::to_string(nonce) + "-" + std::to_string(id));
  rd_kafka_conf_set_dr_msg_cb(conf.raw(), on_delivery);
  rd_kafka_conf_set_opaque(conf.raw(), &state);
  std::string error;
  KafkaPtr rk = conf.create(RD_KAFKA_PRODUCER, error);
  if (!rk) {
    state.first_error = error;
    state.done_ns = now_ns();
    return;
  }
  if (transactional && (!transaction_ok(rd_kafka_init_transactions(rk.get(), kFlushTimeoutMs), "init_transactions", state) ||
                        !transaction_ok(rd_kafka_begin_transaction(rk.get()), "begin_transaction", state))) {
    state.done_ns = now_ns();
    return;
  }
  TopicPtr rkt(rd_kafka_topic_new(rk.get(), o.topic.c_str(), nullptr));
  const PayloadFiller filler(o.record_size, nonce + static_cast<std::uint64_t>(id));
  std::vector<std::byte> buf(o.record_size);
  const std::uint64_t deadline_ns =
      plan.duration_s > 0 ? start_ns + static_cast<std::uint64_t>((plan.duration_s + plan.warmup_s) * 1e9)
                          : UINT64_MAX;
  const SendPacer pacer(start_ns, plan.rate / o.producers);

  std::uint64_t seq = 0;
  while (seq < quota && !stop.load(std::memory_order_relaxed)) {
    const std::uint64_t now = now_ns();
    if (now >= deadline_ns) break;
    if (const std::uint64_t wake = pacer.wake_time(seq, now); wake != 0) {
      // Sleep rather than spin: spinning producers would steal the CPU the
      // broker and consumer need. Delivery reports are served on every
      // wake-up (at least once per ms) so ack latency is not inflated by
      // late polling.
      rd_kafka_poll(rk.get(), 0);
      std::this_thread::sleep_for(std::chrono::nanoseconds(std::min(wake - now, SendPacer::kSliceNs)));
      ++state.sleeps;
      continue;
    }
    filler.fill(buf.data(), PayloadStamp{nonce, now, seq, static_cast<std::uint32_t>(id)});
    const std::int32_t partition =
        plan.round_robin ? static_cast<std::int32_t>((seq + static_cast<std::uint64_t>(id)) % o.partitions)
                         : RD_KAFKA_PARTITION_UA;
    if (rd_kafka_produce(rkt.get(), partition, RD_KAFKA_MSG_F_COPY, buf.data(), buf.size(),
                         nullptr, 0, reinterpret_cast<void*>(static_cast<std::uintptr_t>(now))) != 0) {
      const rd_kafka_resp_err_t err = rd_kafka_last_error();
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk.get(), 1);  // the client is the bottleneck: wait for acks
        continue;
      }
      if (state.failed++ == 0) state.first_error = std::string("produce: ") + rd_kafka_err2str(err);
      break;
    }
    ++seq;
    if (transactional && seq % static_cast<std::uint64_t>(o.transaction_records) == 0 &&
        !commit_and_begin(rk.get(), true, state))
      break;
    if ((seq & 255) == 0) rd_kafka_poll(rk.get(), 0);
  }
  if (transactional && state.failed == 0) commit_and_begin(rk.get(), false, state);
  state.sent = seq;
  state.sent_ns = now_ns();
  // Flush in slices so a stop signal is not held up by an unreachable broker.
  const std::uint64_t flush_deadline = now_ns() + std::uint64_t{kFlushTimeoutMs} * 1000000;
  while (rd_kafka_outq_len(rk.get()) > 0 && now_ns() < flush_deadline) {
    if (stop.load(std::memory_order_relaxed)) {
      rd_kafka_purge(rk.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
      rd_kafka_flush(rk.get(), 1000);
      break;
    }
    rd_kafka_flush(rk.get(), 100);
  }
  state.unflushed = static_cast<std::uint64_t>(rd_kafka_outq_len(rk.get()));
  state.done_ns = now_ns();
  if (state.unflushed > 0 && state.first_error.empty())
    state.first_error = std::to_string(state.unflushed) + " records unacknowledged after flush";
}

}  // namespace

ProduceOutcome run_producers(const BenchOptions& o, const ProducePlan& plan, const std::string& brokers,
                             std::uint64_t nonce, const std::atomic<bool>& stop) {
  std::vector<ProducerState> states(static_cast<std::size_t>(o.producers));
  std::vector<std::thread> threads;
  const std::uint64_t start_ns = now_ns();
  const std::uint64_t measure_from_ns = start_ns + static_cast<std::uint64_t>(plan.warmup_s * 1e9);
  for (auto& s : states) s.measure_from_ns = measure_from_ns;
  for (int i = 0; i < o.producers; ++i) {
    std::uint64_t quota = UINT64_MAX;
    const auto n = static_cast<std::uint64_t>(o.producers);
    if (plan.records > 0) quota = plan.records / n + (static_cast<std::uint64_t>(i) < plan.records % n ? 1 : 0);
    threads.emplace_back(produce_loop, std::cref(o), std::cref(plan), std::cref(brokers), nonce, i, quota, start_ns,
                         std::cref(stop), std::ref(states[static_cast<std::size_t>(i)]));
  }
  for (auto& t : threads) t.join();

  ProduceOutcome out;
  std::uint64_t end_ns = start_ns;
  std::uint64_t sent_ns = start_ns;
  for (const auto& s : states) {
    out.sent += s.sent;
    out.acked += s.acked;
    out.measured_acked += s.measured_acked;
    out.failed += s.failed;
    out.unflushed += s.unflushed;
    out.sleeps += s.sleeps;
    sent_ns = std::max(sent_ns, s.sent_ns);
    out.ack_latency.merge(s.ack_latency);
    out.commit_latency.merge(s.commit_latency);
    out.transactions += s.transactions;
    if (s.done_ns > end_ns) end_ns = s.done_ns;
    if (out.first_error.empty() && !s.first_error.empty()) out.first_error = s.first_error;
  }
  out.seconds = static_cast<double>(end_ns - start_ns) / 1e9;
  out.measured_seconds = end_ns > measure_from_ns ? static_cast<double>(end_ns - measure_from_ns) / 1e9 : 0;
  out.send_seconds = static_cast<double>(sent_ns - start_ns) / 1e9;
  return out;
}

}  // namespace fjord::bench
