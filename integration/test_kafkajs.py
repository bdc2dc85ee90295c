#!/usr/bin/python3
"""kafkajs (Node): admin createTopics / fetchTopicMetadata / fetchTopicOffsets / deleteTopics
and an acks=all producer; every acknowledged message is then read back raw and compared.
Then consumers in a group: commit, resume after a new member starts, split partitions.
On one shared broker (kafkajs_flows.js): gzip, a 1 MiB message, the idempotent and the
transactional producer."""
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "harness"))
from broker import Broker  # noqa: E402
from testing import check, main, require_tool, run, skip  # noqa: E402
import compat  # noqa: E402
import kafka_wire as kw  # noqa: E402

NODE = require_tool("node")
CLIENT = compat.kafkajs()
NODE_DIR = os.path.join(HERE, "node")
if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "kafkajs")):
    skip("kafkajs is not installed: run 'npm ci' in integration/node (scripts/setup.sh does)")


@CLIENT.flow("metadata", "admin-topics", "keyed-order", "headers")
def test_kafkajs_admin_and_producer():
    with Broker(overrides={"auto.create.topics.enable": "true"}) as broker, \
            tempfile.NamedTemporaryFile(suffix=".json") as result:
        p = run([NODE, os.path.join(NODE_DIR, "kafkajs_roundtrip.js"), broker.bootstrap,
                 result.name], timeout=120, check_rc=False)
        out = (p.stdout + p.stderr).decode(errors="replace")
        check(p.returncode == 0, f"kafkajs script exited {p.returncode}:\n{out[-3000:]}")
        produced = json.load(open(result.name))
        check(len(produced) == 500, f"{len(produced)} messages reported")
        stored = {}
        for partition in sorted({m["partition"] for m in produced}):
            records, batches = kw.read_all(broker.host_port, "js-produce", partition)
            check(all(b["crc_ok"] for b in batches), f"partition {partition}: CRC mismatch")
            for r in records:
                stored[(partition, r["offset"])] = r
        for m in produced:
            r = stored.get((m["partition"], m["offset"]))
            check(r is not None, f"message {m['seq']} missing at {m['partition']}/{m['offset']}")
            check(r["key"] == m["key"].encode() and r["value"] == m["value"].encode(),
                  f"message {m['seq']}: stored bytes differ")
            check(r["headers"] == [("seq", m["seq"].encode())], f"message {m['seq']}: headers")


@CLIENT.flow("group-rebalance", "commit-resume")
def test_kafkajs_consumer_group():
    with Broker(overrides={"auto.create.topics.enable": "true"}) as broker:
        p = run([NODE, os.path.join(NODE_DIR, "kafkajs_group.js"), broker.bootstrap],
                timeout=170, check_rc=False)
        out = (p.stdout + p.stderr).decode(errors="replace")
        print(out[-600:])
        check(p.returncode == 0, f"kafkajs group script exited {p.returncode}:\n{out[-3000:]}")
        with kw.Connection(broker.host_port) as conn:
            groups = conn.call("ListGroups", 3, {})["Groups"]
        check(groups == [], f"groups left after deleteGroups: {groups}")


# ---------------------------------------------------------------- on one shared broker
SHARED = None  # started in __main__
CLIENT.note("codecs", "gzip only: kafkajs ships no snappy, lz4 or zstd codec (they are third-party plugins)")


def flow(name):
    p = run([NODE, os.path.join(NODE_DIR, "kafkajs_flows.js"), SHARED.bootstrap, name], timeout=90,
            check_rc=False)
    out = (p.stdout + p.stderr).decode(errors="replace")
    check(p.returncode == 0, f"kafkajs_flows.js {name} exited {p.returncode}:\n{out[-3000:]}")


def data_batches(topic):
    return compat.stored_data(SHARED, topic)


@CLIENT.flow("codecs")
def test_gzip():
    flow("gzip")
    records, batches = data_batches("js-gzip")
    check({b["codec"] for b in batches} == {"gzip"}, f"stored codecs {[b['codec'] for b in batches]}")
    check([(r["key"], r["value"]) for r in records] ==
          [(b"k%d" % (i % 9), b"%d " % i + b"compressible text " * (i % 40)) for i in range(300)],
          f"{len(records)} records stored, or other bytes")


@CLIENT.flow("large-message")
def test_a_1_mib_message():
    flow("large")
    records, _ = data_batches("js-large")
    check([len(r["value"]) for r in records] == [6, 1 << 20, 5], f"stored sizes {[len(r['value']) for r in records]}")


@CLIENT.flow("idempotent")
def test_idempotent_producer():
    compat.require_apis(SHARED, compat.PRODUCER_ID_APIS)
    flow("idempotent")
    compat.check_idempotent_topic(SHARED, "js-idempotent")


@CLIENT.flow("transactional")
def test_transactional_producer():
    compat.require_apis(SHARED, compat.TRANSACTION_APIS)
    flow("transactional")
    compat.check_transactional_topic(SHARED, "js-transactional")


if __name__ == "__main__":
    with Broker(overrides={"message.max.bytes": 2 << 20}) as SHARED:
        code = main(test_kafkajs_admin_and_producer, test_kafkajs_consumer_group, test_gzip, test_a_1_mib_message,
                    test_idempotent_producer, test_transactional_producer)
    sys.exit(code)
