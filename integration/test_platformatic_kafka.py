#!/usr/bin/python3
"""@platformatic/kafka (Node; sends the newest request versions, as the Java client does):
a consumer group that commits and resumes after a new member starts, two members that
split the partitions, and the admin API listing, describing and deleting the groups. On one
shared broker (platformatic_flows.js): keyed records with headers, the admin API for topics
and configs, every codec, a 1 MiB message, the idempotent and the transactional producer."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "harness"))
from broker import Broker  # noqa: E402
from testing import check, main, require_tool, run, skip  # noqa: E402
import group_member as gm  # noqa: E402
import compat  # noqa: E402
import kafka_wire as kw  # noqa: E402

NODE = require_tool("node")
CLIENT = compat.platformatic_kafka()
NODE_DIR = os.path.join(HERE, "node")
if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "@platformatic", "kafka")):
    skip("@platformatic/kafka is not installed: run 'npm ci' in integration/node (scripts/setup.sh does)")
_version = subprocess.run([NODE, "-p", "process.versions.node"], stdout=subprocess.PIPE, text=True).stdout
if tuple(int(x) for x in _version.strip().split(".")[:2]) < (20, 19):
    skip(f"@platformatic/kafka needs Node 20.19 or newer, this is {_version.strip()}")


@CLIENT.flow("group-rebalance", "commit-resume", "admin-groups", describe="listGroups, describeGroups "
             "(state, members, assignment), deleteGroups (refused while a member is in the group)")
def test_platformatic_consumer_group_and_admin():
    with Broker(overrides={"auto.create.topics.enable": "true"}) as broker:
        p = run([NODE, os.path.join(NODE_DIR, "platformatic_groups.js"), broker.bootstrap],
                timeout=170, check_rc=False)
        out = (p.stdout + p.stderr).decode(errors="replace")
        print(out[-600:])
        check(p.returncode == 0, f"platformatic script exited {p.returncode}:\n{out[-3000:]}")
        with kw.Connection(broker.host_port) as conn:
            check(gm.list_groups(conn) == {}, "groups left after deleteGroups")
            error, offsets = gm.committed_offsets(conn, "pk-group")
            check(error == 0 and offsets == {}, f"offsets of the deleted group: {offsets}")


# ---------------------------------------------------------------- on one shared broker
SHARED = None  # started in __main__
ZSTD = subprocess.run([NODE, "-p", "typeof require('node:zlib').zstdCompressSync"], stdout=subprocess.PIPE,
                      text=True).stdout.strip() == "function"
if not ZSTD:
    CLIENT.note("codecs", "zstd not run: it needs node:zlib's zstd (Node 22.15 or newer), which this Node lacks")


def flow(name):
    p = run([NODE, os.path.join(NODE_DIR, "platformatic_flows.js"), SHARED.bootstrap, name], timeout=90,
            check_rc=False)
    out = (p.stdout + p.stderr).decode(errors="replace")
    check(p.returncode == 0, f"platformatic_flows.js {name} exited {p.returncode}:\n{out[-3000:]}")


def stored(topic, partition=0):
    return compat.stored_data(SHARED, topic, partition)


@CLIENT.flow("metadata", "keyed-order", "headers")
def test_keyed_with_headers_in_order_per_partition():
    flow("produce")
    seen, partition_of = 0, {}
    for p in range(3):
        records, _ = stored("pk-keyed", p)
        seqs = [int(dict(r["headers"])["seq"]) for r in records]
        check(seqs == sorted(seqs), f"partition {p}: out of produce order")
        for r, seq in zip(records, seqs):
            check(r["key"] == b"user-%d" % (seq % 13) and r["value"] == b"event %d" % seq
                  and dict(r["headers"]).get("source") == b"pk", f"record {seq} differs: {r}")
            check(partition_of.setdefault(r["key"], p) == p, f"key {r['key']} in two partitions")
        seen += len(records)
    check(seen == 300, f"{seen} records stored of 300")


@CLIENT.flow("admin-topics", "admin-configs")
def test_admin_topics_and_configs():
    flow("admin")


@CLIENT.flow("codecs")
def test_every_codec():
    for codec in ("gzip", "snappy", "lz4") + (("zstd",) if ZSTD else ()):
        flow(f"codec:{codec}")
        records, batches = stored(f"pk-{codec}")
        check({b["codec"] for b in batches} == {codec}, f"{codec}: stored codecs {[b['codec'] for b in batches]}")
        check([(r["key"], r["value"]) for r in records] ==
              [(b"k%d" % (i % 9), b"%d " % i + b"compressible text " * (i % 40)) for i in range(300)],
              f"{codec}: {len(records)} records stored, or other bytes")


@CLIENT.flow("large-message")
def test_a_1_mib_message():
    flow("large")


@CLIENT.flow("idempotent")
def test_idempotent_producer():
    compat.require_apis(SHARED, compat.PRODUCER_ID_APIS)
    flow("idempotent")
    compat.check_idempotent_topic(SHARED, "pk-idempotent")


@CLIENT.flow("transactional")
def test_transactional_producer():
    compat.require_apis(SHARED, compat.TRANSACTION_APIS)
    flow("transactional")
    compat.check_transactional_topic(SHARED, "pk-transactional")


if __name__ == "__main__":
    with Broker(overrides={"message.max.bytes": 2 << 20}) as SHARED:
        code = main(test_platformatic_consumer_group_and_admin, test_keyed_with_headers_in_order_per_partition,
                    test_admin_topics_and_configs, test_every_codec, test_a_1_mib_message,
                    test_idempotent_producer, test_transactional_producer)
    sys.exit(code)
