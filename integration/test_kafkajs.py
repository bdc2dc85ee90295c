#!/usr/bin/python3
"""kafkajs (Node): admin createTopics / fetchTopicMetadata / fetchTopicOffsets / deleteTopics
and an acks=all producer; every acknowledged message is then read back raw and compared.
Then consumers in a group: commit, resume after a new member starts, split partitions."""
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


if __name__ == "__main__":
    sys.exit(main(test_kafkajs_admin_and_producer, test_kafkajs_consumer_group))
