#!/usr/bin/python3
"""kafka-python: KafkaProducer (acks=all) and KafkaConsumer with assign() and no group_id,
including its ApiVersions/Metadata probe on connect. Then KafkaConsumers in a group:
subscribe, commit, and a new consumer resumes from the commits."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))
from broker import Broker  # noqa: E402
from testing import check, main, require_module  # noqa: E402
import group_member as gm  # noqa: E402
import kafka_wire as kw  # noqa: E402

kafka = require_module("kafka")
from kafka import KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition  # noqa: E402

TOPIC = "py-kafka-python"
PARTITIONS = 2
COUNT = 1000


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


if __name__ == "__main__":
    sys.exit(main(test_producer_and_assigned_consumer, test_pre_0_11_producer_keeps_its_codec,
                  test_group_subscribe_commit_and_resume))
