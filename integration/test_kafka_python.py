#!/usr/bin/python3
"""kafka-python: KafkaProducer (acks=all) and KafkaConsumer with assign() and no group_id,
including its ApiVersions/Metadata probe on connect. Then KafkaConsumers in a group:
subscribe, commit, and a new consumer resumes from the commits. On one shared broker: headers
with every codec, a 1 MiB message, KafkaAdminClient for topics and configs, and two group
members rebalancing."""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))
from broker import Broker  # noqa: E402
from testing import check, main, require_module, wait_until  # noqa: E402
import group_member as gm  # noqa: E402
import compat  # noqa: E402
import kafka_wire as kw  # noqa: E402

kafka = require_module("kafka")
from kafka import KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition  # noqa: E402

CLIENT = compat.kafka_python()
TOPIC = "py-kafka-python"
PARTITIONS = 2
COUNT = 1000


@CLIENT.flow("metadata", "keyed-order", "version-probe", describe="infers the broker version from ApiVersions "
             "and works with the request versions it then picks")
def test_producer_and_assigned_consumer():
    with Broker(overrides={"num.partitions": PARTITIONS,
                           "auto.create.topics.enable": "true"}) as broker:
        producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all",
                                 request_timeout_ms=10000, max_block_ms=20000,
                                 api_version_auto_timeout_ms=10000, linger_ms=5)
        try:
            futures = [producer.send(TOPIC, key=f"key-{i % 13}".encode(),
                                     value=f"value-{i}".encode() * (1 + i % 5))
                       for i in range(COUNT)]
            producer.flush(30)
            sent = {}
            for i, f in enumerate(futures):
                md = f.get(timeout=10)
                sent[(md.partition, md.offset)] = i
        finally:
            producer.close(10)
        check(len(sent) == COUNT, f"{len(sent)} distinct acknowledged offsets of {COUNT}")
        print(f"broker version inferred by kafka-python: {producer.config['api_version']}")

        consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=None,
                                 enable_auto_commit=False, consumer_timeout_ms=2000,
                                 request_timeout_ms=15000, api_version_auto_timeout_ms=10000)
        try:
            known = consumer.partitions_for_topic(TOPIC)
            check(known == set(range(PARTITIONS)), f"metadata partitions {known}")
            parts = [TopicPartition(TOPIC, p) for p in sorted(known)]
            consumer.assign(parts)
            consumer.seek_to_beginning(*parts)
            got = []
            deadline = time.monotonic() + 60
            while len(got) < COUNT and time.monotonic() < deadline:
                for records in consumer.poll(timeout_ms=1000).values():
                    got.extend(records)
            ends = consumer.end_offsets(parts)
        finally:
            consumer.close()
        check(len(got) == COUNT, f"consumed {len(got)}, produced {COUNT}")
        last = {}
        for r in got:
            i = sent.get((r.partition, r.offset))
            check(i is not None, f"unexpected record {r.partition}/{r.offset}")
            check(r.key == f"key-{i % 13}".encode() and
                  r.value == f"value-{i}".encode() * (1 + i % 5), f"bytes differ for {i}")
            check(r.offset > last.get(r.partition, -1), "offsets went backwards")
            last[r.partition] = r.offset
        for tp, end in ends.items():
            check(end == sum(1 for (p, _) in sent if p == tp.partition),
                  f"end offset {end} for {tp}")


@CLIENT.flow("pre-0.11-versions", describe="api_version=(0, 10, 1): Produce v2 with gzip magic-1 "
             "message sets stored as magic-2 gzip batches; Fetch v3 reads them back down-converted")
def test_pre_0_11_producer_keeps_its_codec():
    # api_version (0, 10, 1): Produce v2 with gzip-compressed magic-1 message
    # sets. The broker up-converts them to magic 2 and, as Kafka does with
    # compression.type=producer, keeps gzip.
    topic, count = "py-legacy-gzip", 300
    with Broker(overrides={"auto.create.topics.enable": "true"}) as broker:
        producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all",
                                 api_version=(0, 10, 1), compression_type="gzip",
                                 linger_ms=20, request_timeout_ms=10000, max_block_ms=20000)
        try:
            futures = [producer.send(topic, key=b"k%d" % (i % 7), value=b"legacy-%d-" % i * 20)
                       for i in range(count)]
            producer.flush(30)
            index_at = {f.get(timeout=10).offset: i for i, f in enumerate(futures)}
            offsets = sorted(index_at)
        finally:
            producer.close(10)
        check(offsets == list(range(count)), "legacy produce offsets are not 0..n-1")
        records, batches = kw.read_all(broker.host_port, topic, 0)
        check(len(records) == count, f"{len(records)} records stored, {count} produced")
        check(batches and all(b["codec"] == "gzip" for b in batches),
              f"stored codecs {[b['codec'] for b in batches]}, expected gzip")
        check(all(b["crc_ok"] for b in batches), "CRC mismatch in converted batches")

        # The same old client reads them back: Fetch v3 answers carry magic-1
        # message sets, down-converted from the stored batches (here still in
        # the log's in-memory tail).
        consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=None, api_version=(0, 10, 1),
                                 enable_auto_commit=False, request_timeout_ms=15000)
        try:
            tp = TopicPartition(topic, 0)
            consumer.assign([tp])
            consumer.seek_to_beginning(tp)
            got = []
            deadline = time.monotonic() + 30
            while len(got) < count and time.monotonic() < deadline:
                for polled in consumer.poll(timeout_ms=1000).values():
                    got.extend(polled)
        finally:
            consumer.close()
        check([r.offset for r in got] == list(range(count)), f"legacy fetch read {len(got)} of {count}")
        for r in got:
            i = index_at[r.offset]
            check(r.key == b"k%d" % (i % 7) and r.value == b"legacy-%d-" % i * 20,
                  f"legacy fetch bytes differ at offset {r.offset}")


def take_in_group(broker, group, topic, wanted, timeout=60):
    """subscribe() and read `wanted` records, committing each synchronously."""
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=group,
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             session_timeout_ms=10000, heartbeat_interval_ms=500,
                             max_poll_records=7, request_timeout_ms=15000,
                             api_version_auto_timeout_ms=10000)
    try:
        consumer.subscribe([topic])
        taken = []
        deadline = time.monotonic() + timeout
        while len(taken) < wanted:
            check(time.monotonic() < deadline, f"{group}: took {len(taken)} of {wanted}")
            for tp, records in consumer.poll(timeout_ms=500, max_records=wanted - len(taken)).items():
                for r in records:
                    taken.append(r.value)
                    consumer.commit({tp: OffsetAndMetadata(r.offset + 1, "")})
        return taken
    finally:
        consumer.close()  # leaves the group


@CLIENT.flow("commit-resume")
def test_group_subscribe_commit_and_resume():
    topic, group = "kp-group-topic", "kp-group"
    with Broker(overrides={"num.partitions": 2}) as broker:
        producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all", linger_ms=5,
                                 request_timeout_ms=10000, api_version_auto_timeout_ms=10000)
        try:
            for i in range(200):
                producer.send(topic, value=b"v%d" % i, partition=i % 2)
            producer.flush(30)
            first = take_in_group(broker, group, topic, 90)
            with kw.Connection(broker.host_port) as conn:
                error, committed = gm.committed_offsets(conn, group)
            check(error == 0 and sum(o for o, _, _ in committed.values()) == 90,
                  f"committed {committed} after reading 90")
            for i in range(200, 220):
                producer.send(topic, value=b"v%d" % i, partition=i % 2)
            producer.flush(30)
        finally:
            producer.close(10)
        second = take_in_group(broker, group, topic, 130)
        check(len(set(first) | set(second)) == 220 and len(first) + len(second) == 220,
              f"read {len(first)} then {len(second)}, {len(set(first) | set(second))} distinct of 220")
        with kw.Connection(broker.host_port) as conn:
            error, committed = gm.committed_offsets(conn, group)
        check({p: o for (_, p), (o, _, _) in committed.items()} == {0: 110, 1: 110},
              f"final commits {committed}")


# ---------------------------------------------------------------- on one shared broker
SHARED = None  # started in __main__
CLIENT.unsupported("idempotent", "kafka-python 2.0.2 has no idempotent producer (enable_idempotence came in 2.1)")
CLIENT.unsupported("transactional", "kafka-python 2.0.2 has no transactional producer")


def producer(**settings):
    return KafkaProducer(bootstrap_servers=SHARED.bootstrap, acks="all", request_timeout_ms=10000,
                         max_block_ms=20000, api_version_auto_timeout_ms=10000, **settings)


def read_back(topic, partition=0, **settings):
    consumer = KafkaConsumer(bootstrap_servers=SHARED.bootstrap, group_id=None, enable_auto_commit=False,
                             request_timeout_ms=15000, api_version_auto_timeout_ms=10000, **settings)
    try:
        tp = TopicPartition(topic, partition)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        end = consumer.end_offsets([tp])[tp]
        got, deadline = [], time.monotonic() + 30
        while consumer.position(tp) < end:
            check(time.monotonic() < deadline, f"{topic}: read {len(got)} of {end}")
            for records in consumer.poll(timeout_ms=500).values():
                got.extend(records)
        return got
    finally:
        consumer.close()


@CLIENT.flow("headers", "codecs")
def test_headers_and_every_codec():
    for codec in ("gzip", "snappy", "lz4", "zstd"):
        topic = f"kp-{codec}"
        p = producer(compression_type=codec, linger_ms=20)
        try:
            sent = [(b"k%d" % (i % 9), b"%05d " % i + b"compressible text " * (i % 40),
                     [("seq", b"%d" % i), ("codec", codec.encode())]) for i in range(300)]
            for key, value, headers in sent:
                p.send(topic, key=key, value=value, headers=headers, partition=0)
            p.flush(30)
        finally:
            p.close(10)
        got = read_back(topic)
        check([(r.key, r.value, r.headers) for r in got] == sent,
              f"{codec}: read back {len(got)} of 300, or other bytes or headers")
        _, batches = kw.read_all(SHARED.host_port, topic)
        used = {b["codec"] for b in batches}
        check(used == {codec}, f"{codec}: stored batch codecs {used}")


@CLIENT.flow("large-message")
def test_a_1_mib_message():
    big = bytes((i * 7) % 251 for i in range(1 << 20))
    p = producer(max_request_size=2_000_000)
    try:
        for value in (b"before", big, b"after"):
            p.send("kp-large", value=value, partition=0).get(timeout=20)
    finally:
        p.close(10)
    got = read_back("kp-large")
    check([r.value for r in got] == [b"before", big, b"after"], f"read back sizes {[len(r.value) for r in got]}")


@CLIENT.flow("admin-topics", "admin-configs")
def test_admin_topics_and_configs():
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError
    admin = KafkaAdminClient(bootstrap_servers=SHARED.bootstrap, request_timeout_ms=15000,
                             api_version_auto_timeout_ms=10000)
    try:
        admin.create_topics([NewTopic("kp-admin", 3, 1, topic_configs={"retention.ms": "86400000"})])
        try:
            admin.create_topics([NewTopic("kp-admin", 3, 1)])
            raise AssertionError("creating an existing topic succeeded")
        except TopicAlreadyExistsError:
            pass
        check("kp-admin" in admin.list_topics(), f"list_topics: {admin.list_topics()}")
        described = admin.describe_topics(["kp-admin"])
        check([len(t["partitions"]) for t in described] == [3], f"describe_topics: {described}")

        def config(name):
            resources = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, "kp-admin")])
            entries = {e[0]: e[1] for r in resources for res in r.resources for e in res[4]}
            return entries.get(name)
        check(config("retention.ms") == "86400000", f"retention.ms {config('retention.ms')}")
        admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "kp-admin",
                                            configs={"retention.ms": "3600000"})])
        check(config("retention.ms") == "3600000", f"after alter_configs: {config('retention.ms')}")
        admin.delete_topics(["kp-admin"])
        wait_until(lambda: "kp-admin" not in admin.list_topics(), 10, what="the topic to go")
    finally:
        admin.close()


class GroupMember:
    """A KafkaConsumer polling in its own thread: a member blocks in poll() while its group
    rebalances, so two members in one thread would wait for each other."""

    def __init__(self, topic, group, seen):
        self.consumer = KafkaConsumer(topic, bootstrap_servers=SHARED.bootstrap, group_id=group,
                                      auto_offset_reset="earliest", enable_auto_commit=False,
                                      heartbeat_interval_ms=300, session_timeout_ms=10000,
                                      request_timeout_ms=15000, api_version_auto_timeout_ms=10000)
        self.seen, self.owned, self.running = seen, [], True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            for records in self.consumer.poll(timeout_ms=100).values():
                self.seen.extend(r.value for r in records)
                self.consumer.commit()
            self.owned = sorted(tp.partition for tp in self.consumer.assignment())
        self.consumer.close()  # leaves the group

    def stop(self):
        self.running = False
        self.thread.join(30)


@CLIENT.flow("group-rebalance")
def test_group_of_two_rebalances():
    topic, group = "kp-two", "kp-two"
    p = producer()
    try:
        for i in range(40):
            p.send(topic, value=b"v%d" % i, partition=i % 4)
        p.flush(30)
    finally:
        p.close(10)
    seen = []
    a = GroupMember(topic, group, seen)
    b = None
    try:
        wait_until(lambda: len(seen) == 40, 30, what="the first member to read 40")
        b = GroupMember(topic, group, seen)
        wait_until(lambda: a.owned and b.owned and sorted(a.owned + b.owned) == [0, 1, 2, 3], 40,
                   what="the two members to split 4 partitions")
        check(sorted(seen) == sorted(b"v%d" % i for i in range(40)), f"read {len(seen)}: records read twice")
        b.stop()
        b = None
        wait_until(lambda: a.owned == [0, 1, 2, 3], 30, what="the remaining member to own all")
    finally:
        for m in (a, b):
            if m:
                m.stop()


if __name__ == "__main__":
    with Broker(overrides={"num.partitions": 4, "auto.create.topics.enable": "true",
                           "message.max.bytes": 2 << 20}) as SHARED:
        code = main(test_producer_and_assigned_consumer, test_pre_0_11_producer_keeps_its_codec,
                    test_group_subscribe_commit_and_resume, test_headers_and_every_codec, test_a_1_mib_message,
                    test_admin_topics_and_configs, test_group_of_two_rebalances)
    sys.exit(code)
