#!/usr/bin/python3
"""@platformatic/kafka (Node; sends the newest request versions, as the Java client does):
a consumer group that commits and resumes after a new member starts, two members that
split the partitions, and the admin API listing, describing and deleting the groups."""
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


if __name__ == "__main__":
    sys.exit(main(test_platformatic_consumer_group_and_admin))
