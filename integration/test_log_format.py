#!/usr/bin/python3
"""What fjord stores, as Kafka's tools and clients see it:
- a batch sent as Go's sarama 1.22 sends it (header max timestamp -1, plain and gzip) is
  found by ListOffsets by time at its first record's timestamp (kcat -Q, confluent-kafka
  offsets_for_times), and is stored with the max timestamp of its records;
- every stored batch carries leader epoch 0, what Metadata reports, whatever the
  producer put there (-1 from Java's clients and sarama), and the partition keeps
  Kafka's leader-epoch-checkpoint;
- the active segment's .log ends where its batches end while the broker runs, read as
  kafka-dump-log.sh reads it: with direct and buffered writes, for durable and
  page-cache topics, and again after a restart and after a crash."""
import glob
import gzip
import os
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))
from broker import Broker, DataDir  # noqa: E402
from testing import Failure, check, main, require_module, require_tool, run, wait_until  # noqa: E402
import kafka_wire  # noqa: E402
from kafka_wire import i8, i16, i32, i64, varint  # noqa: E402

KCAT = require_tool("kcat")
ck = require_module("confluent_kafka")
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

FIRST_TS = 1_700_000_123_456


def sarama_batch(values, first_ts, codec=0):
    """A magic-2 batch as sarama 1.22 writes it: record timestamps first_ts, first_ts+1, ...
    and the header's max timestamp left at -1. codec 0 (none) or 1 (gzip)."""
    records = b""
    for i, v in enumerate(values):
        body = i8(0) + varint(i) + varint(i) + varint(-1) + varint(len(v)) + v + varint(0)
        records += varint(len(body)) + body
    payload = gzip.compress(records) if codec == 1 else records
    after_crc = (i16(codec) + i32(len(values) - 1) + i64(first_ts) + i64(-1)
                 + i64(-1) + i16(-1) + i32(-1) + i32(len(values)) + payload)
    return (i64(0) + i32(4 + 1 + 4 + len(after_crc)) + i32(-1) + i8(2)
            + struct.pack(">I", kafka_wire.crc32c(after_crc)) + after_crc)


def create_topic(broker, name, config=None):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    for future in admin.create_topics([NewTopic(name, 1, 1, config=config or {})]).values():
        future.result(30)


def kcat_offset_for(broker, topic, ts):
    p = run([KCAT, "-Q", "-b", broker.bootstrap, "-t", f"{topic}:0:{ts}"], timeout=30)
    out = p.stdout.decode()
    # "<topic> [0] offset <n>"
    for line in out.splitlines():
        if "offset" in line:
            return int(line.rsplit("offset", 1)[1].split()[0])
    raise Failure(f"kcat -Q printed no offset: {out!r}")


def confluent_offset_for(broker, topic, ts):
    c = ck.Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "log-format",
                     "enable.auto.commit": False})
    try:
        return c.offsets_for_times([ck.TopicPartition(topic, 0, ts)], timeout=30)[0].offset
    finally:
        c.close()


def test_a_sarama_batch_is_found_by_timestamp():
    with Broker() as broker:
        for codec, topic in ((0, "sarama-plain"), (1, "sarama-gzip")):
            create_topic(broker, topic)
            values = [f"value-{i}".encode() * 5 for i in range(5)]
            with kafka_wire.Connection(broker.host_port) as conn:
                # A first batch at earlier timestamps, so the lookup must skip it.
                error, base = kafka_wire.produce(conn, topic, 0, sarama_batch(values[:2], FIRST_TS - 1000, codec))
                check(error == 0 and base == 0, f"{topic}: produce gave error {error}, base {base}")
                error, base = kafka_wire.produce(conn, topic, 0, sarama_batch(values, FIRST_TS, codec))
                check(error == 0 and base == 2, f"{topic}: produce gave error {error}, base {base}")
            for ts, want in ((FIRST_TS, 2), (FIRST_TS + 3, 5), (FIRST_TS + 5, -1), (FIRST_TS - 999, 1)):
                got = kcat_offset_for(broker, topic, ts)
                check(got == want, f"{topic}: kcat -Q at {ts} gave offset {got}, expected {want}")
            got = confluent_offset_for(broker, topic, FIRST_TS)
            check(got == 2, f"{topic}: offsets_for_times({FIRST_TS}) gave {got}, expected 2")
            _, batches = kafka_wire.read_all(broker.host_port, topic)
            check([b["max_timestamp"] for b in batches] == [FIRST_TS - 999, FIRST_TS + 4],
                  f"{topic}: stored max timestamps {[b['max_timestamp'] for b in batches]}")
            check(all(b["crc_ok"] for b in batches), f"{topic}: a stored batch fails its CRC")


def test_batches_carry_the_leader_epoch():
    with Broker() as broker:
        create_topic(broker, "epochs")
        p = ck.Producer({"bootstrap.servers": broker.bootstrap, "acks": "all", "linger.ms": 2})
        for i in range(500):
            p.produce("epochs", value=f"v{i}".encode() * 20, partition=0)
        check(p.flush(30) == 0, "producer did not deliver everything")
        # librdkafka sends the leader epoch it knows (0); Java's clients and sarama send -1.
        with kafka_wire.Connection(broker.host_port) as conn:
            for i in range(20):
                raw = kafka_wire.record_batch([f"raw{i}-{j}".encode() for j in range(3)], FIRST_TS)
                check(struct.unpack(">i", raw[12:16])[0] == -1, "the raw batch should say epoch -1")
                error, _ = kafka_wire.produce(conn, "epochs", 0, raw)
                check(error == 0, f"raw produce gave error {error}")
        records, batches = kafka_wire.read_all(broker.host_port, "epochs")
        check(len(records) == 560, f"read {len(records)} of 560 records")
        epochs = {b["leader_epoch"] for b in batches}
        check(epochs == {0}, f"stored batches carry leader epochs {epochs}, Metadata says 0")
        with kafka_wire.Connection(broker.host_port) as conn:
            md = kafka_wire.metadata(conn, ["epochs"])
        check("epochs" in md["topics"], f"metadata lacks the topic: {md}")
        path = os.path.join(broker.data_dir, "epochs-0", "leader-epoch-checkpoint")
        with open(path) as f:
            text = f.read()
        check(text == "0\n1\n0 0\n", f"leader-epoch-checkpoint holds {text!r}")


def read_as_kafka_tools_do(path):
    """The batches of a .log as Kafka's FileLogInputStream walks them: it stops at a
    partial batch at the end, and fails on a size below the record overhead (zeros:
    "Found record size 0 smaller than minimum record overhead (14)"). Returns
    (batches as (base offset, last offset), bytes walked, file size)."""
    with open(path, "rb") as f:
        data = f.read()
    pos, batches = 0, []
    while pos < len(data) - 17:
        base, size = struct.unpack(">qi", data[pos:pos + 12])
        if size < 14:
            raise Failure(f"{path}: found record size {size} smaller than minimum record overhead (14) "
                          f"at byte {pos} of {len(data)}")
        if pos > len(data) - 12 - size:
            break
        body = data[pos + 12:pos + 12 + size]
        crc = struct.unpack(">I", body[5:9])[0]
        check(kafka_wire.crc32c(body[9:]) == crc, f"{path}: batch at byte {pos} fails its CRC")
        last_delta = struct.unpack(">i", body[11:15])[0]
        batches.append((base, base + last_delta))
        pos += 12 + size
    return batches, pos, len(data)


def active_segment(data_dir, topic):
    logs = sorted(glob.glob(os.path.join(data_dir, f"{topic}-0", "*.log")))
    check(logs, f"no segment of {topic} in {data_dir}")
    return logs[-1]


def expect_whole_batches_to_the_end(data_dir, topic, end_offset):
    """The active segment holds whole batches up to its end and nothing after, its last
    batch ending at end_offset. Writes acknowledged in page-cache mode may still be on
    their way to the device for a moment: retried briefly."""
    path = active_segment(data_dir, topic)
    last = {}

    def exact():
        try:
            batches, walked, size = read_as_kafka_tools_do(path)
        except Failure as e:
            last["why"] = str(e)
            return False
        last["why"] = f"{path}: walked {walked} of {size} bytes, batches end at " \
                      f"{batches[-1][1] + 1 if batches else None}, expected {end_offset}"
        return walked == size and batches and batches[-1][1] + 1 == end_offset
    try:
        wait_until(exact, 5, 0.05, "whole batches to the end of the active segment")
    except Failure:
        raise Failure(last.get("why", "no read"))


def produce_wave(broker, topic, count, seq0):
    p = ck.Producer({"bootstrap.servers": broker.bootstrap, "acks": "all", "linger.ms": 3,
                     "batch.size": 65536})
    for i in range(seq0, seq0 + count):
        # Sizes from a few bytes to several blocks: rounds end anywhere in a block.
        p.produce(topic, value=(f"{i:06d}-" * (1 + (i * 7919) % 700)).encode(), partition=0)
        if i % 97 == 0:
            p.poll(0)
    check(p.flush(60) == 0, "producer did not deliver everything")


def test_the_active_segment_ends_with_its_last_batch():
    for direct in ("true", "false"):
        with DataDir() as d:
            overrides = {"fjord.log.direct.io": direct}
            topics = {"durable": {}, "pagecache": {"flush.ms": "3600000"}}
            ends = {t: 0 for t in topics}
            with Broker(data_dir=d, overrides=overrides) as broker:
                for topic, config in topics.items():
                    create_topic(broker, topic, config)
                for wave in range(3):
                    for topic in topics:
                        produce_wave(broker, topic, 400, ends[topic])
                        ends[topic] += 400
                        expect_whole_batches_to_the_end(d, topic, ends[topic])
            # A clean restart, then a crash after one more acknowledged wave.
            broker = Broker(data_dir=d, overrides=overrides).start()
            try:
                for topic in topics:
                    expect_whole_batches_to_the_end(d, topic, ends[topic])
                    produce_wave(broker, topic, 300, ends[topic])
                    ends[topic] += 300
            finally:
                broker.kill()
            with Broker(data_dir=d, overrides=overrides) as broker:
                for topic in topics:
                    records, _ = kafka_wire.read_all(broker.host_port, topic)
                    check([r["offset"] for r in records] == list(range(ends[topic])),
                          f"direct.io={direct} {topic}: {len(records)} of {ends[topic]} records after the crash")
                    expect_whole_batches_to_the_end(d, topic, ends[topic])
                    produce_wave(broker, topic, 50, ends[topic])
                    ends[topic] += 50
                    expect_whole_batches_to_the_end(d, topic, ends[topic])
            print(f"  direct.io={direct}: {ends} records, active segments exact")


if __name__ == "__main__":
    sys.exit(main(test_a_sarama_batch_is_found_by_timestamp,
                  test_batches_carry_the_leader_epoch,
                  test_the_active_segment_ends_with_its_last_batch))
