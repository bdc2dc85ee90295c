#!/usr/bin/python3
"""kcat: 10,000 keyed messages over 4 auto-created partitions, read back per partition
byte-identical and in produce order; metadata lists the topic with 4 partitions; 24 MB
read back from disk after the broker evicted it from its 1 MiB page-cache window."""
import json
import os
import random
import sys
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))
from broker import Broker  # noqa: E402
from testing import check, main, require_tool, run  # noqa: E402
import kafka_wire  # noqa: E402

KCAT = require_tool("kcat")
TOPIC = "kcat-keyed"
PARTITIONS = 4
COUNT = 10_000
ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:;!#$%&()[]{}<>=+*/~^@"


def make_messages():
    rng = random.Random(20261124)
    messages = []
    for seq in range(COUNT):
        key = f"key-{rng.randrange(200):03d}"
        body = "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 300)))
        messages.append((key, f"{seq:05d}|{body}"))
    return messages


def produce(broker, messages, topic=TOPIC):
    data = "".join(f"{k}\t{v}\n" for k, v in messages).encode()
    run([KCAT, "-P", "-b", broker.bootstrap, "-t", topic, "-K", "\t",
         "-X", "message.timeout.ms=30000"], timeout=90, input=data)


def consume_partition(broker, partition, topic=TOPIC):
    p = run([KCAT, "-C", "-b", broker.bootstrap, "-t", topic, "-p", str(partition),
             "-o", "beginning", "-e", "-q", "-f", "%o\t%K\t%S\t%k\t%s\n"], timeout=60)
    rows = []
    for line in p.stdout.decode().splitlines():
        offset, klen, vlen, key, value = line.split("\t", 4)
        check(len(key) == int(klen) and len(value.encode()) == int(vlen),
              f"length mismatch in partition {partition} at offset {offset}: {line[:80]}")
        rows.append((int(offset), key, value))
    return rows


def test_metadata_lists_auto_created_topic():
    with Broker(overrides={"num.partitions": PARTITIONS,
                           "auto.create.topics.enable": "true"}) as broker:
        run([KCAT, "-P", "-b", broker.bootstrap, "-t", TOPIC, "-K", "\t"], timeout=30,
            input=b"k\tv\n")
        p = run([KCAT, "-L", "-J", "-b", broker.bootstrap, "-t", TOPIC], timeout=30)
        meta = json.loads(p.stdout)
        check(len(meta["brokers"]) == 1, f"expected one broker: {meta['brokers']}")
        check(meta["brokers"][0]["name"].endswith(f":{broker.port}"),
              f"advertised broker {meta['brokers'][0]} is not the listener port {broker.port}")
        topics = {t["topic"]: t for t in meta["topics"]}
        check(TOPIC in topics, f"topic missing from metadata: {list(topics)}")
        parts = topics[TOPIC]["partitions"]
        check(len(parts) == PARTITIONS, f"expected {PARTITIONS} partitions, got {len(parts)}")
        leader = meta["brokers"][0]["id"]
        check(all(p["leader"] == leader for p in parts), f"leaders not the broker: {parts}")


def test_keyed_roundtrip_10k():
    messages = make_messages()
    with Broker(overrides={"num.partitions": PARTITIONS,
                           "auto.create.topics.enable": "true"}) as broker:
        produce(broker, messages)
        seen = 0
        key_partition = {}
        per_partition = defaultdict(list)
        for partition in range(PARTITIONS):
            rows = consume_partition(broker, partition)
            per_partition[partition] = rows
            check([o for o, _, _ in rows] == list(range(len(rows))),
                  f"partition {partition}: offsets are not 0..{len(rows) - 1}")
            last_seq = -1
            for offset, key, value in rows:
                seq = int(value[:5])
                check(seq > last_seq, f"partition {partition} offset {offset}: seq {seq} "
                                      f"after {last_seq} (out of produce order)")
                last_seq = seq
                check((key, value) == messages[seq],
                      f"partition {partition} offset {offset}: bytes differ from message {seq}")
                check(key_partition.setdefault(key, partition) == partition,
                      f"key {key} found in two partitions")
                seen += 1
        check(seen == COUNT, f"read {seen} messages, produced {COUNT}")
        sizes = {p: len(r) for p, r in per_partition.items()}
        check(all(n > 0 for n in sizes.values()), f"some partition got nothing: {sizes}")

        # The stored batches themselves must be intact (CRC-32C) and agree with kcat.
        for partition in range(PARTITIONS):
            records, batches = kafka_wire.read_all(broker.host_port, TOPIC, partition)
            check(all(b["crc_ok"] for b in batches), f"partition {partition}: bad CRC on fetch")
            check(len(records) == sizes[partition],
                  f"partition {partition}: raw fetch saw {len(records)} records, "
                  f"kcat {sizes[partition]}")
        print(f"partition sizes: {sizes}")


def test_reads_behind_the_page_cache_window():
    # A 1 MiB page-cache window over ~24 MB in 4 MiB segments: the broker evicts
    # most of the log while kcat produces, and the read-back comes from disk.
    topic, count = "kcat-evicted", 24_000
    text = ALPHABET * 13
    messages = [(f"k{seq % 7}", f"{seq:06d}|" + text[seq % 80:seq % 80 + 990]) for seq in range(count)]
    with Broker(overrides={"num.partitions": 1, "auto.create.topics.enable": "true",
                           "log.segment.bytes": 4 << 20,
                           "fjord.log.cache.window.bytes": 1 << 20}) as broker:
        produce(broker, messages, topic)
        rows = consume_partition(broker, 0, topic)
        check(len(rows) == count, f"read back {len(rows)} of {count}")
        check([(k, v) for _, k, v in rows] == messages, "read-back differs from what was produced")


if __name__ == "__main__":
    sys.exit(main(test_metadata_lists_auto_created_topic, test_keyed_roundtrip_10k,
                  test_reads_behind_the_page_cache_window))
