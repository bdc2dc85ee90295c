#!/usr/bin/python3
"""kcat's scenario set: 10,000 keyed messages over 4 auto-created partitions, read back per
partition byte-identical and in produce order; metadata (-L) lists the topic with 4
partitions; 24 MB read back from disk after the broker evicted it from its 1 MiB page-cache
window. On one shared broker: produce from a file with keys and headers,
-o beginning / end / -N / s@timestamp, -Q, every codec, a 1 MiB message, -G with two members
rebalancing, committing and resuming, idempotent and transactional producing."""
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))
from broker import Broker  # noqa: E402
from testing import check, main, require_tool, run, wait_until  # noqa: E402
import compat  # noqa: E402
import kafka_wire  # noqa: E402

KCAT = require_tool("kcat")
CLIENT = compat.kcat()
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


@CLIENT.flow("metadata")
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


@CLIENT.flow("keyed-order")
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


# ---------------------------------------------------------------- on one shared broker
SHARED = None  # the Broker the flows below share (started in __main__)
CLIENT.unsupported("admin-topics", "kcat has no admin commands (topics come from auto-creation)")
CLIENT.unsupported("admin-configs", "kcat has no admin commands")
LARGE = 1 << 20


def kcat(*args, input=None, timeout=60):
    return run([KCAT, "-b", SHARED.bootstrap, *args], timeout=timeout, input=input).stdout.decode()


def produce_lines(topic, lines, *args):
    """kcat -P of "key<TAB>value" lines from a file (-l) into partition 0."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
        f.write("".join(f"{k}\t{v}\n" for k, v in lines))
        f.flush()
        kcat("-P", "-t", topic, "-p", "0", "-K", "\t", *args, "-l", f.name)


def rows(topic, *args, fmt="%o\t%k\t%s\n"):
    out = kcat("-C", "-t", topic, "-p", "0", "-e", "-q", "-f", fmt, *args)
    return [line.split("\t") for line in out.splitlines()]


@CLIENT.flow("headers", "kcat-file", describe="`-P -l FILE -K` with `-H`: keys, values and headers "
                                               "read back with `%k`, `%s`, `%h`")
def test_produce_a_file_with_keys_and_headers():
    lines = [(f"key-{i % 5}", f"value {i} " + "x" * (i % 50)) for i in range(200)]
    produce_lines("kcat-file", lines, "-H", "source=file", "-H", "trace=t-1")
    got = rows("kcat-file", "-o", "beginning", fmt="%o\t%k\t%s\t%h\n")
    check([(int(o), k, v) for o, k, v, _ in got] == [(i, k, v) for i, (k, v) in enumerate(lines)],
          f"read back {len(got)} of {len(lines)}, or different bytes")
    check(all(h == "source=file,trace=t-1" for *_, h in got), f"headers read back: {got[0][3]!r}")


@CLIENT.flow("kcat-offsets", describe="`-o beginning`, `-o end`, `-o -N`, `-o s@<ms>` and `-Q` "
                                      "(offset for a timestamp) start where Kafka would")
def test_start_offsets_and_timestamp_queries():
    topic = "kcat-offsets"
    produce_lines(topic, [(f"k{i}", f"early-{i}") for i in range(50)])
    early = [int(t) for _, t in (r[:2] for r in rows(topic, "-o", "beginning", fmt="%o\t%T\n"))]
    boundary = max(early) + 1
    while time.time() * 1000 < boundary + 1:  # the second half is stamped after `boundary`
        time.sleep(0.002)
    produce_lines(topic, [(f"k{i}", f"late-{i}") for i in range(50, 100)])

    offsets = lambda *a: [int(r[0]) for r in rows(topic, *a)]  # noqa: E731
    check(offsets("-o", "beginning") == list(range(100)), "-o beginning did not read 0..99")
    check(offsets("-o", "end") == [], "-o end read records that were there before it started")
    check(offsets("-o", "-10") == list(range(90, 100)), f"-o -10 read {offsets('-o', '-10')}")
    check(offsets("-o", f"s@{boundary}") == list(range(50, 100)), f"-o s@{boundary} did not start at 50")
    check(offsets("-o", "s@0") == list(range(100)), "-o s@0 did not start at 0")
    query = lambda ts: json.loads(kcat("-Q", "-J", "-t", f"{topic}:0:{ts}"))[topic]["0"]["offset"]  # noqa: E731
    check(query(boundary) == 50, f"-Q at {boundary}: offset {query(boundary)}, expected 50")
    check(query(0) == 0, f"-Q at 0: offset {query(0)}")
    future = int(time.time() * 1000) + 60000
    check(query(future) == -1, f"-Q past the last timestamp: offset {query(future)}")


@CLIENT.flow("codecs")
def test_every_codec():
    value = lambda i: f"{i:05d} " + "compressible text " * (i % 40)  # noqa: E731
    for codec in ("gzip", "snappy", "lz4", "zstd"):
        topic = f"kcat-{codec}"
        produce_lines(topic, [(f"k{i % 9}", value(i)) for i in range(500)], "-z", codec,
                      "-X", "linger.ms=50")
        got = rows(topic, "-o", "beginning")
        check([(k, v) for _, k, v in got] == [(f"k{i % 9}", value(i)) for i in range(500)],
              f"{codec}: read back {len(got)} of 500, or different bytes")
        _, batches = kafka_wire.read_all(SHARED.host_port, topic)
        used = {b["codec"] for b in batches}
        check(used <= {codec, "none"} and codec in used, f"{codec}: stored batch codecs {used}")


@CLIENT.flow("large-message")
def test_a_1_mib_message():
    value = "".join(ALPHABET[(i * 7) % len(ALPHABET)] for i in range(LARGE))
    kcat("-P", "-t", "kcat-large", "-p", "0", "-X", "message.max.bytes=2000000",
         input=f"small-1\n{value}\nsmall-2\n".encode())
    got = kcat("-C", "-t", "kcat-large", "-p", "0", "-o", "beginning", "-e", "-q", "-f", "%s\n")
    check(got.split("\n")[:3] == ["small-1", value, "small-2"],
          f"read back sizes {[len(v) for v in got.split(chr(10))]}")


class GroupMember:
    """`kcat -G` in the background: what it printed, and its last assignment."""

    def __init__(self, group, topic):
        self.proc = subprocess.Popen(
            [KCAT, "-b", SHARED.bootstrap, "-G", group, "-u", "-f", "%p\t%o\t%s\n",
             "-X", "auto.offset.reset=earliest", "-X", "heartbeat.interval.ms=300",
             "-X", "auto.commit.interval.ms=200", topic],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.records, self.assigned = [], None
        self.readers = [threading.Thread(target=self._out, daemon=True),
                        threading.Thread(target=self._err, daemon=True)]
        for t in self.readers:
            t.start()

    def _out(self):
        for line in self.proc.stdout:
            p, o, v = line.rstrip("\n").split("\t")
            self.records.append((int(p), int(o), v))

    def _err(self):
        for line in self.proc.stderr:
            if "rebalanced" in line:  # "% Group g rebalanced (memberid ...): assigned: t [0], t [2]"
                m = re.search(r": (assigned|revoked): (.*)$", line)
                if m and m.group(1) == "assigned":
                    self.assigned = sorted(int(p) for p in re.findall(r"\[(\d+)\]", m.group(2)))
                elif m:
                    self.assigned = []

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # kcat commits and leaves the group
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        for t in self.readers:
            t.join(5)


@CLIENT.flow("group-rebalance", "commit-resume")
def test_group_of_two_rebalances_commits_and_resumes():
    topic, group = "kcat-group-two", "kcat-two"
    kcat("-P", "-t", topic, "-K", ":", input="".join(f"k{i}:v{i}\n" for i in range(40)).encode())
    values = lambda members: sorted(v for m in members for _, _, v in m.records)  # noqa: E731
    a = GroupMember(group, topic)
    b = None
    try:
        wait_until(lambda: a.assigned == [0, 1, 2, 3] and len(a.records) == 40, 30,
                   what="the first member to own the 4 partitions and read 40 records")
        b = GroupMember(group, topic)
        wait_until(lambda: a.assigned and b.assigned and sorted(a.assigned + b.assigned) == [0, 1, 2, 3],
                   30, what="the two members to split the partitions")
        kcat("-P", "-t", topic, "-K", ":", input="".join(f"k{i}:v{i}\n" for i in range(40, 80)).encode())
        wait_until(lambda: len(values([a, b])) >= 80, 30, what="80 records read by the two members")
        check(values([a, b]) == sorted(f"v{i}" for i in range(80)), "records lost or read twice")
        check(len(b.records) > 0, "the second member read nothing")
        b.stop()  # leaves: the first member takes every partition again
        wait_until(lambda: a.assigned == [0, 1, 2, 3], 30, what="the survivor to own every partition")
    finally:
        for m in (a, b):
            if m:
                m.stop()
    # Both committed what they read: a new run of the group reads only what came since.
    kcat("-P", "-t", topic, "-K", ":", input=b"k80:v80\nk81:v81\n")
    out = kcat("-G", group, "-e", "-q", "-f", "%s\n", "-X", "auto.offset.reset=earliest", topic)
    check(sorted(out.split()) == ["v80", "v81"], f"the group resumed with {sorted(out.split())[:10]}")


@CLIENT.flow("idempotent")
def test_idempotent_producer():
    compat.require_apis(SHARED, compat.PRODUCER_ID_APIS)
    produce_lines("kcat-idempotent", [(f"k{i}", f"v{i}") for i in range(300)],
                  "-X", "enable.idempotence=true", "-X", "acks=all")
    got = rows("kcat-idempotent", "-o", "beginning")
    check([v for _, _, v in got] == [f"v{i}" for i in range(300)], f"read back {len(got)} of 300")
    _, batches = kafka_wire.read_all(SHARED.host_port, "kcat-idempotent")
    check(all(b["producer_id"] >= 0 for b in batches), "batches stored without a producer id")


@CLIENT.flow("transactional")
def test_transactional_producer():
    compat.require_apis(SHARED, compat.TRANSACTION_APIS)
    produce_lines("kcat-transactional", [(f"k{i}", f"v{i}") for i in range(300)],
                  "-X", "transactional.id=kcat-tx")
    batches = compat.await_markers(SHARED, "kcat-transactional", 1)  # kcat commits as it exits
    got = rows("kcat-transactional", "-o", "beginning", "-X", "isolation.level=read_committed")
    check([v for _, _, v in got] == [f"v{i}" for i in range(300)], f"read back {len(got)} of 300")
    check(all(b["attributes"] & 0x10 for b in batches), "batches not marked transactional")
    check(batches[-1]["attributes"] & 0x20, "no commit marker (control batch) at the end")


if __name__ == "__main__":
    with Broker(overrides={"num.partitions": PARTITIONS, "auto.create.topics.enable": "true",
                           "message.max.bytes": 2 << 20}) as SHARED:
        code = main(test_metadata_lists_auto_created_topic, test_keyed_roundtrip_10k,
                    test_reads_behind_the_page_cache_window, test_produce_a_file_with_keys_and_headers,
                    test_start_offsets_and_timestamp_queries, test_every_codec, test_a_1_mib_message,
                    test_group_of_two_rebalances_commits_and_resumes, test_idempotent_producer,
                    test_transactional_producer)
    sys.exit(code)
