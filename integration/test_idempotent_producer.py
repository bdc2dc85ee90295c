#!/usr/bin/python3
"""Idempotent producers against the real binary: Kafka 3.9's console producer
(InitProducerId v5 + Produce v11 replayed byte for byte from the captured requests, and
the retry of that Produce answered with its original offset); bad input (a sequence gap,
a stale epoch, a control batch or a transactional batch from a client); transactional
batches holding back the last stable offset for read-committed readers; DescribeProducers;
and librdkafka's idempotent producer (confluent-kafka) through a TCP proxy that drops
responses, and across a broker SIGKILL and restart: every message exactly once, in order."""
import json
import os
import shutil
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))
from broker import Broker, DataDir  # noqa: E402
from testing import Failure, check, main, require_module, run, wait_until  # noqa: E402
import java_replay as jr  # noqa: E402
import kafka_wire as kw  # noqa: E402

OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH = 45, 47
TRANSACTIONAL_ID_AUTHORIZATION_FAILED, INVALID_RECORD = 53, 87


def now_ms():
    return int(time.time() * 1000)


def batch(values, pid, epoch, seq, transactional=False, control=False, records=None):
    """A magic-2 batch with a producer id, epoch and base sequence; `records` replaces
    the encoded records (for a control record)."""
    ts = now_ms()
    if records is None:
        records = b""
        for i, v in enumerate(values):
            body = kw.i8(0) + kw.varint(0) + kw.varint(i) + kw.varint(-1) + kw.varint(len(v)) + v + kw.varint(0)
            records += kw.varint(len(body)) + body
    count = len(values)
    attributes = (0x10 if transactional else 0) | (0x20 if control else 0)
    after_crc = (kw.i16(attributes) + kw.i32(count - 1) + kw.i64(ts) + kw.i64(ts) + kw.i64(pid)
                 + kw.i16(epoch) + kw.i32(seq) + kw.i32(count) + records)
    return (kw.i64(0) + kw.i32(4 + 1 + 4 + len(after_crc)) + kw.i32(-1) + kw.i8(2)
            + struct.pack(">I", kw.crc32c(after_crc)) + after_crc)


def commit_marker(pid, epoch):
    key = kw.i16(0) + kw.i16(1)
    value = kw.i16(0) + kw.i32(0)
    body = (kw.i8(0) + kw.varint(0) + kw.varint(0) + kw.varint(len(key)) + key
            + kw.varint(len(value)) + value + kw.varint(0))
    return batch([b""], pid, epoch, -1, transactional=True, control=True,
                 records=kw.varint(len(body)) + body)


def produce(conn, topic, partition, records, transactional_id=None):
    """Produce v7; (error code, base offset)."""
    answer = conn.call("Produce", 7, {
        "TransactionalId": transactional_id, "Acks": -1, "TimeoutMs": 30000,
        "TopicData": [{"Name": topic, "PartitionData": [{"Index": partition, "Records": records}]}]})
    p = answer["Responses"][0]["PartitionResponses"][0]
    return p["ErrorCode"], p["BaseOffset"]


def init_producer_id(conn, transactional_id=None):
    answer = conn.call("InitProducerId", 4, {"TransactionalId": transactional_id, "TransactionTimeoutMs": 60000})
    check(answer["ErrorCode"] == 0, f"InitProducerId: error {answer['ErrorCode']}")
    return answer["ProducerId"], answer["ProducerEpoch"]


def begin_transaction(conn, transactional_id, topic, partition):
    """InitProducerId with the transactional id and AddPartitionsToTxn: the broker takes
    transactional batches only for partitions of the producer's ongoing transaction."""
    pid, epoch = init_producer_id(conn, transactional_id)
    answer = conn.call("AddPartitionsToTxn", 3, {
        "V3AndBelowTransactionalId": transactional_id, "V3AndBelowProducerId": pid,
        "V3AndBelowProducerEpoch": epoch, "V3AndBelowTopics": [{"Name": topic, "Partitions": [partition]}]})
    error = answer["ResultsByTopicV3AndBelow"][0]["ResultsByPartition"][0]["PartitionErrorCode"]
    check(error == 0, f"AddPartitionsToTxn: error {error}")
    return pid, epoch


def list_latest(conn, topic, partition, isolation):
    answer = conn.call("ListOffsets", 4, {
        "ReplicaId": -1, "IsolationLevel": isolation,
        "Topics": [{"Name": topic, "Partitions": [{"PartitionIndex": partition, "Timestamp": -1}]}]})
    return answer["Topics"][0]["Partitions"][0]["Offset"]


def fetch(conn, topic, partition, offset, isolation):
    answer = conn.call("Fetch", 11, {
        "ReplicaId": -1, "MaxWaitMs": 0, "MinBytes": 0, "MaxBytes": 1 << 20, "IsolationLevel": isolation,
        "SessionEpoch": -1,
        "Topics": [{"Topic": topic, "Partitions": [{"Partition": partition, "FetchOffset": offset,
                                                     "PartitionMaxBytes": 1 << 20}]}]})
    p = answer["Responses"][0]["Partitions"][0]
    return p, list(kw.parse_batches(p["Records"] or b""))


def describe_producers(conn, topic, partition):
    answer = jr.send(conn, "DescribeProducersRequest_v0",
                     edit=lambda b: b.update(Topics=[{"Name": topic, "PartitionIndexes": [partition]}]))
    p = answer["Topics"][0]["Partitions"][0]
    check(p["ErrorCode"] == 0, f"DescribeProducers: error {p['ErrorCode']}")
    return {s["ProducerId"]: s for s in p["ActiveProducers"]}


def test_java_console_producer_replayed():
    """shared/docs/java-clients.md 3.1: InitProducerId v5, then Produce v11 with the id it
    got (1000 in the capture: the data dir's id block store is set so ours is 1000 too)."""
    with DataDir() as d:
        with open(os.path.join(d, "fjord-producer-id-block.json"), "w") as f:
            json.dump({"version": 1, "broker": 1, "block_start": "0", "block_end": "999"}, f)
        # The captured Produce writes partition 1 of "t".
        with Broker(data_dir=d, overrides={"auto.create.topics.enable": "true", "num.partitions": 3}) as b:
            conn = jr.connect(b.host_port)
            jr.metadata(conn, ["t"])
            answer = jr.send(conn, "InitProducerIdRequest_v5")
            check(answer["ErrorCode"] == 0, f"InitProducerId v5: error {answer['ErrorCode']}")
            check((answer["ProducerId"], answer["ProducerEpoch"]) == (1000, 0),
                  f"InitProducerId v5: {answer}")
            for attempt in ("first", "retry"):
                answer = jr.send(conn, "ProduceRequest_v11")
                p = answer["Responses"][0]["PartitionResponses"][0]
                check(p["ErrorCode"] == 0 and p["BaseOffset"] == 0, f"Produce v11 ({attempt}): {p}")
            check(list_latest(conn, "t", 1, 0) == 3, "the retried batch was appended again")
            producers = describe_producers(conn, "t", 1)
            check(producers.get(1000, {}).get("LastSequence") == 2, f"DescribeProducers: {producers}")
            # A new broker on the same data hands out ids from a new block.
        with Broker(data_dir=d) as b:
            with kw.Connection(b.host_port) as conn:
                pid, _ = init_producer_id(conn)
                check(pid >= 2000, f"after a restart InitProducerId gave {pid}, an id of a used block")


def test_bad_sequences_epochs_and_batches_are_refused():
    with Broker(overrides={"auto.create.topics.enable": "true"}) as b, kw.Connection(b.host_port) as conn:
        kw.metadata(conn, ["bad"])
        pid, epoch = init_producer_id(conn)
        check(produce(conn, "bad", 0, batch([b"a", b"b"], pid, epoch, 0)) == (0, 0), "first batch")
        check(produce(conn, "bad", 0, batch([b"c"], pid, epoch, 5))[0] == OUT_OF_ORDER_SEQUENCE_NUMBER,
              "a sequence gap was accepted")
        check(produce(conn, "bad", 0, batch([b"c"], pid, epoch + 1, 0)) == (0, 2), "a new epoch from 0")
        check(produce(conn, "bad", 0, batch([b"d"], pid, epoch, 2))[0] == INVALID_PRODUCER_EPOCH,
              "a stale epoch was accepted")
        check(produce(conn, "bad", 0, commit_marker(pid, epoch + 1), "tx")[0] == INVALID_RECORD,
              "a client wrote a control batch")
        check(produce(conn, "bad", 0, batch([b"e"], pid, epoch + 1, 1, transactional=True))[0]
              == TRANSACTIONAL_ID_AUTHORIZATION_FAILED, "a transactional batch without a transactional id")
        check(list_latest(conn, "bad", 0, 0) == 3, "refused batches were appended")


def test_transactional_batches_hold_back_read_committed_readers():
    with Broker(overrides={"auto.create.topics.enable": "true"}) as b, kw.Connection(b.host_port) as conn:
        kw.metadata(conn, ["rc"])
        plain, e1 = init_producer_id(conn)
        txn, e2 = begin_transaction(conn, "tx", "rc", 0)
        check(produce(conn, "rc", 0, batch([b"p0", b"p1"], plain, e1, 0)) == (0, 0), "idempotent batch")
        check(produce(conn, "rc", 0, batch([b"t0"], txn, e2, 0, transactional=True), "tx") == (0, 2),
              "transactional batch")
        check(produce(conn, "rc", 0, batch([b"p2"], plain, e1, 2)) == (0, 3), "idempotent batch after it")
        check(list_latest(conn, "rc", 0, 0) == 4, "READ_UNCOMMITTED latest is the high watermark")
        check(list_latest(conn, "rc", 0, 1) == 2, "READ_COMMITTED latest is the last stable offset")
        p, batches = fetch(conn, "rc", 0, 0, 1)
        check(p["LastStableOffset"] == 2 and p["HighWatermark"] == 4, f"Fetch offsets: {p}")
        bases = [x["base_offset"] for x in batches]
        check(bases == [0], f"read committed fetched batches at {bases}")
        _, batches = fetch(conn, "rc", 0, 0, 0)
        check(len(batches) == 3, f"read uncommitted fetched {len(batches)} batches")
        producers = describe_producers(conn, "rc", 0)
        check(producers[txn]["CurrentTxnStartOffset"] == 2, f"DescribeProducers: {producers[txn]}")
        check(producers[plain]["CurrentTxnStartOffset"] == -1, f"DescribeProducers: {producers[plain]}")


class FlakyProxy:
    """Forwards 127.0.0.1:<port> to the broker's current port; with `drop_every` set,
    every Nth response frame is swallowed and the connection closed instead (the
    request was handled; the client never hears so and retries)."""

    def __init__(self, upstream_port, drop_every=0):
        self.upstream_port = upstream_port
        self.drop_every = drop_every
        self.dropped = 0
        self._frames = 0
        self._lock = threading.Lock()
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(16)
        self.port = self._server.getsockname()[1]
        self._closed = False
        self._sockets = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self._closed:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._responses, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _close(*socks):
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def _pump(self, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        self._close(src, dst)

    def _responses(self, src, dst):
        buf = b""
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                buf += data
                while len(buf) >= 4 and len(buf) >= 4 + struct.unpack(">i", buf[:4])[0]:
                    n = 4 + struct.unpack(">i", buf[:4])[0]
                    frame, buf = buf[:n], buf[n:]
                    with self._lock:
                        self._frames += 1
                        drop = self.drop_every and self._frames % self.drop_every == 0
                        if drop:
                            self.dropped += 1
                    if drop:
                        raise OSError("dropped")
                    dst.sendall(frame)
        except OSError:
            pass
        self._close(src, dst)

    def close(self):
        self._closed = True
        self._server.close()
        self._close(*self._sockets)


def produce_exactly_once(ck, bootstrap, topic, count, during=None):
    """Idempotent librdkafka producer of "m<i>" for i < count, one partition; `during(i)`
    runs after message i is handed over, with the producer and the count delivered so
    far. Fails on any delivery error."""
    errors = []
    delivered_count = [0]
    p = ck.Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all",
                     "linger.ms": 2, "batch.num.messages": 50, "message.timeout.ms": 90000,
                     "retry.backoff.ms": 50, "reconnect.backoff.ms": 50, "reconnect.backoff.max.ms": 500,
                     "socket.connection.setup.timeout.ms": 5000})

    def delivered(err, msg):
        if err is not None:
            errors.append(str(err))
        else:
            delivered_count[0] += 1

    for i in range(count):
        while True:
            try:
                p.produce(topic, f"m{i}".encode(), partition=0, on_delivery=delivered)
                break
            except BufferError:
                p.poll(0.05)
        p.poll(0)
        if during:
            during(i, p, delivered_count)
    left = p.flush(120)
    check(left == 0 and not errors, f"{left} undelivered, errors {errors[:5]}")


def consume_all(ck, bootstrap, topic, count):
    c = ck.Consumer({"bootstrap.servers": bootstrap, "group.id": "unused", "enable.auto.commit": False,
                     "enable.partition.eof": True, "fetch.wait.max.ms": 100})
    try:
        c.assign([ck.TopicPartition(topic, 0, ck.OFFSET_BEGINNING)])
        got, eof = [], False
        deadline = time.monotonic() + 60
        while not (eof and len(got) >= count):
            if time.monotonic() > deadline:
                raise Failure(f"consumed {len(got)}/{count}")
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                eof = m.error().code() == ck.KafkaError._PARTITION_EOF
                continue
            eof = False
            got.append(m.value().decode())
        return got
    finally:
        c.close()


def check_exactly_once(got, count):
    want = [f"m{i}" for i in range(count)]
    if got != want:
        dups = len(got) - len(set(got))
        missing = sorted(set(want) - set(got), key=lambda v: int(v[1:]))[:5]
        raise Failure(f"{len(got)} messages for {count}: {dups} duplicates, missing {missing}")


def test_librdkafka_idempotent_producer_through_dropped_responses():
    ck = require_module("confluent_kafka")
    count = 3000
    proxy = FlakyProxy(0, drop_every=9)
    # Clients reach the broker only through the proxy: Metadata names the proxy.
    overrides = {"auto.create.topics.enable": "true",
                 "advertised.listeners": f"PLAINTEXT://127.0.0.1:{proxy.port}"}
    with Broker(overrides=overrides) as b:
        proxy.upstream_port = b.port
        try:
            produce_exactly_once(ck, f"127.0.0.1:{proxy.port}", "flaky", count)
            check(proxy.dropped > 0, "the proxy dropped no response")
            print(f"proxy dropped {proxy.dropped} responses")
            proxy.drop_every = 0
            check_exactly_once(consume_all(ck, b.bootstrap, "flaky", count), count)
        finally:
            proxy.close()


def test_librdkafka_idempotent_producer_across_a_broker_crash():
    ck = require_module("confluent_kafka")
    count = 3000
    with DataDir() as d:
        proxy = FlakyProxy(0)
        overrides = {"auto.create.topics.enable": "true",
                     "advertised.listeners": f"PLAINTEXT://127.0.0.1:{proxy.port}"}
        brokers = [Broker(data_dir=d, overrides=overrides).start()]
        proxy.upstream_port = brokers[0].port
        try:
            def crash(i, producer, delivered):
                if i == count // 2:
                    # Some batches on disk (and in the producer state), more in flight.
                    deadline = time.monotonic() + 30
                    while delivered[0] < count // 4 and time.monotonic() < deadline:
                        producer.poll(0.01)
                    brokers[0].kill()  # SIGKILL mid-stream, produce requests in flight
                    brokers[0] = Broker(data_dir=d, overrides=overrides).start()
                    proxy.upstream_port = brokers[0].port
            produce_exactly_once(ck, f"127.0.0.1:{proxy.port}", "crash", count, during=crash)
            check(any("producer state rebuilt" in line for line in brokers[0].output),
                  "the restarted broker did not rebuild the producer state from the log")
            check_exactly_once(consume_all(ck, brokers[0].bootstrap, "crash", count), count)
            wait_until(lambda: brokers[0].proc.poll() is None, 1, what="broker alive")
        finally:
            proxy.close()
            brokers[0].stop()


def test_node_idempotent_producers():
    """kafkajs and @platformatic/kafka with idempotence on (skipped without node and
    integration/node/node_modules)."""
    node = shutil.which("node")
    node_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node")
    if not node or not os.path.isdir(os.path.join(node_dir, "node_modules", "@platformatic", "kafka")):
        print("node clients not installed: run 'npm ci' in integration/node; not run")
        return
    count = 200
    with Broker(overrides={"auto.create.topics.enable": "true"}) as b:
        p = run([node, os.path.join(node_dir, "idempotent_producers.js"), b.bootstrap, str(count)],
                timeout=120, check_rc=False)
        out = (p.stdout + p.stderr).decode(errors="replace")
        check(p.returncode == 0, f"idempotent_producers.js exited {p.returncode}:\n{out[-3000:]}")
        with kw.Connection(b.host_port) as conn:
            for topic, prefix in (("js-idem", "kafkajs"), ("pk-idem", "platformatic")):
                records, batches = kw.read_all(b.host_port, topic, 0)
                values = [r["value"].decode() for r in records]
                check(values == [f"{prefix}-{i}" for i in range(count)], f"{topic}: {values[:5]}...")
                pids = {x["producer_id"] for x in batches}
                check(len(pids) == 1 and min(pids) >= 0, f"{topic}: producer ids {pids}")
                seq = 0
                for x in batches:
                    check(x["base_sequence"] == seq, f"{topic}: batch at {x['base_offset']} has sequence "
                          f"{x['base_sequence']}, expected {seq}")
                    seq += x["count"]
                producers = describe_producers(conn, topic, 0)
                check(producers.get(pids.pop(), {}).get("LastSequence") == count - 1,
                      f"{topic}: DescribeProducers {producers}")


if __name__ == "__main__":
    sys.exit(main(test_java_console_producer_replayed,
                  test_bad_sequences_epochs_and_batches_are_refused,
                  test_transactional_batches_hold_back_read_committed_readers,
                  test_librdkafka_idempotent_producer_through_dropped_responses,
                  test_librdkafka_idempotent_producer_across_a_broker_crash,
                  test_node_idempotent_producers))
