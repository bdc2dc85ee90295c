#!/usr/bin/python3
"""librdkafka's consumer-group behaviour against fjord (confluent-kafka high-level
consumers, each its own process: harness/group_consumer.py). Two and then three members
split a 6-partition topic, every partition owned exactly once; a member that leaves is
rebalanced away at once; one that is SIGKILLed only after its session timeout; the same
with cooperative-sticky; a static member (group.instance.id) restarted within its
session timeout gets its partitions back without a rebalance. Committed offsets survive
a broker SIGKILL and restart, and a new consumer resumes from them."""
import json
import os
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "harness"))
from broker import Broker  # noqa: E402
from testing import Failure, check, main, require_module  # noqa: E402
import compat  # noqa: E402
import group_member as gm  # noqa: E402
import kafka_wire as kw  # noqa: E402

ck = require_module("confluent_kafka")
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

TOPIC, PARTITIONS = "six", 6
SESSION_MS = 6000  # Kafka's group.min.session.timeout.ms: the shortest a broker accepts
MEMBER = os.path.join(HERE, "harness", "group_consumer.py")


class Member:
    """A group_consumer.py process and the assignments it reported."""

    def __init__(self, broker, group, *settings):
        self.proc = subprocess.Popen([sys.executable, MEMBER, broker.bootstrap, group, TOPIC, *settings],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        self.history = []  # (monotonic time, owned partitions)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            event = json.loads(line)
            if "owned" in event:
                self.history.append((event["t"], event["owned"]))

    @property
    def owned(self):
        return self.history[-1][1] if self.history else []

    def leave(self):
        self.proc.stdin.write("leave\n")
        self.proc.stdin.flush()
        self.proc.wait(30)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.leave()
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.kill()
        self.reader.join(5)


def split(members, timeout=45.0, steady=1.5):
    """Waits until the members' assignments cover every partition exactly once and stay
    so for `steady` seconds; returns them."""
    deadline = time.monotonic() + timeout
    stable_since, last = None, None
    while time.monotonic() < deadline:
        now = [tuple(m.owned) for m in members]
        flat = sorted(p for owned in now for p in owned)
        if flat == list(range(PARTITIONS)) and all(now):
            if now != last:
                stable_since, last = time.monotonic(), now
            elif time.monotonic() - stable_since >= steady:
                return [list(x) for x in now]
        else:
            stable_since, last = None, None
        time.sleep(0.1)
    raise Failure(f"no clean split within {timeout}s: {[m.owned for m in members]}")


def broker_view(broker, group):
    """{member id: partitions} from DescribeGroups, and the group state."""
    with kw.Connection(broker.host_port) as conn:
        g = gm.describe_group(conn, group)
    return g["GroupState"], {m["MemberId"]: m["Partitions"].get(TOPIC, []) for m in g["Members"]}


def make_topic(broker):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    for f in admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)]).values():
        f.result(30)


def membership_scenario(strategy):
    group = f"split-{strategy}"
    settings = [f"partition.assignment.strategy={strategy}"]
    with Broker() as broker:
        make_topic(broker)
        members = []
        try:
            members = [Member(broker, group, *settings) for _ in range(2)]
            two = split(members)
            check(sorted(len(x) for x in two) == [3, 3], f"two members: {two}")
            members.append(Member(broker, group, *settings))
            three = split(members)
            check(sorted(len(x) for x in three) == [2, 2, 2], f"three members: {three}")
            if strategy == "cooperative-sticky":
                for before, after in zip(two, three):
                    check(set(after) <= set(before), f"sticky: {before} became {after}")
            state, view = broker_view(broker, group)
            check(state == "Stable" and sorted(sorted(v) for v in view.values()) == sorted(three),
                  f"DescribeGroups: {state} {view}, members report {three}")

            # A member that leaves is rebalanced away at once (LeaveGroup), well inside
            # the session timeout.
            left_at = time.monotonic()
            members.pop().leave()
            two = split(members, timeout=SESSION_MS / 1000 - 1, steady=0.5)
            print(f"{strategy}: rebalanced {time.monotonic() - left_at:.1f}s after a LeaveGroup")
            check(sorted(len(x) for x in two) == [3, 3], f"after a leave: {two}")

            # A member that dies keeps its partitions until its session times out.
            victim, survivor = members
            before = list(survivor.owned)
            killed_at = time.monotonic()
            victim.kill()
            time.sleep(SESSION_MS / 1000 * 0.5)
            check(survivor.owned == before, f"rebalanced {time.monotonic() - killed_at:.1f}s after a "
                                            f"SIGKILL, before the {SESSION_MS} ms session timeout")
            state, view = broker_view(broker, group)
            check(len(view) == 2, f"the killed member was removed early: {view}")
            alone = split([survivor], timeout=SESSION_MS / 1000 + 20, steady=0.5)
            took = time.monotonic() - killed_at
            print(f"{strategy}: the survivor owned everything {took:.1f}s after the SIGKILL")
            check(took >= SESSION_MS / 1000 * 0.9, f"removed after {took:.1f}s, session is {SESSION_MS} ms")
            check(alone == [list(range(PARTITIONS))], f"survivor owns {alone}")
            state, view = broker_view(broker, group)
            check(state == "Stable" and len(view) == 1, f"DescribeGroups after the expiry: {state} {view}")
        finally:
            for m in members:
                m.stop()


@compat.confluent_kafka().flow("group-rebalance")
def test_eager_members_split_leave_and_expire():
    membership_scenario("range")


@compat.confluent_kafka().flow("group-rebalance", "cooperative-sticky", describe="partition.assignment.strategy="
                                 "cooperative-sticky: members split, leave, expire; no partition moves between old members")
def test_cooperative_sticky_members_split_leave_and_expire():
    membership_scenario("cooperative-sticky")


@compat.confluent_kafka().flow("static-membership", describe="group.instance.id: a member restarted within "
                                 "its session timeout gets its partitions back without a rebalance")
def test_static_member_restart_keeps_its_assignment():
    group, session_ms = "static", 15000  # room for a process restart on a busy machine
    with Broker() as broker:
        make_topic(broker)
        members = []
        try:
            members = [Member(broker, group, f"group.instance.id=static-{i}", f"session.timeout.ms={session_ms}")
                       for i in range(2)]
            before = split(members)
            other = members[1]
            other_changes = len(other.history)
            members[0].kill()  # a static member's close() would not leave either
            killed_at = time.monotonic()
            members[0] = Member(broker, group, "group.instance.id=static-0", f"session.timeout.ms={session_ms}")
            after = split(members, timeout=session_ms / 1000 - 3, steady=0.5)
            check(time.monotonic() - killed_at < session_ms / 1000, "the restart took longer than the session")
            check(after == before, f"static member restarted: {before} became {after}")
            check(len(other.history) == other_changes,
                  f"the other member saw a rebalance: {other.history[other_changes - 1:]}")
            state, view = broker_view(broker, group)
            check(state == "Stable" and len(view) == 2, f"DescribeGroups: {state} {view}")
            # Past the session timeout with no member of that instance, it is removed.
            members[0].kill()
            alone = split([other], timeout=session_ms / 1000 + 20, steady=0.5)
            check(alone == [list(range(PARTITIONS))], f"after the static member expired: {alone}")
        finally:
            for m in members:
                m.stop()


@compat.confluent_kafka().flow("commit-resume")
def test_commits_survive_a_broker_kill():
    group, count = "durable-commits", 600
    with Broker() as broker:
        make_topic(broker)
        p = ck.Producer({"bootstrap.servers": broker.bootstrap, "acks": "all"})
        for i in range(count):
            p.produce(TOPIC, value=b"%d" % i, partition=i % PARTITIONS)
        check(p.flush(30) == 0, "producer did not flush")
        # The group's member is stored with the group and, as in Kafka, is only dropped
        # when its session times out after the restart: a short session keeps the
        # new consumer's wait short.
        c = ck.Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group,
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "session.timeout.ms": SESSION_MS, "heartbeat.interval.ms": 500})
        try:
            c.subscribe([TOPIC])
            read, deadline = {}, time.monotonic() + 60
            while sum(read.values()) < 250 and time.monotonic() < deadline:
                m = c.poll(0.5)
                if m is not None and not m.error():
                    read[m.partition()] = m.offset() + 1
            check(sum(read.values()) >= 250, f"read {read}")
            committed = c.commit(offsets=[ck.TopicPartition(TOPIC, p, o) for p, o in read.items()],
                                 asynchronous=False)
            check(all(tp.error is None for tp in committed), f"commit errors {committed}")
            broker.kill()  # SIGKILL right after the commit was acknowledged
        finally:
            c.close()
        broker.start()  # same data dir, new port
        with kw.Connection(broker.host_port) as conn:
            error, offsets = gm.committed_offsets(conn, group)
        check(error == 0 and {p: o for (_, p), (o, _, _) in offsets.items()} == read,
              f"after the restart: {offsets}, committed {read}")
        c = ck.Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group,
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "session.timeout.ms": SESSION_MS, "heartbeat.interval.ms": 500})
        try:
            c.subscribe([TOPIC])
            first, seen, deadline = {}, 0, time.monotonic() + 60
            while seen < count - sum(read.values()) and time.monotonic() < deadline:
                m = c.poll(0.5)
                if m is None or m.error():
                    continue
                first.setdefault(m.partition(), m.offset())
                seen += 1
        finally:
            c.close()
        check(seen == count - sum(read.values()), f"resumed and read {seen}")
        check(all(first[p] == read.get(p, 0) for p in first), f"resumed at {first}, committed {read}")


if __name__ == "__main__":
    sys.exit(main(test_eager_members_split_leave_and_expire,
                  test_cooperative_sticky_members_split_leave_and_expire,
                  test_static_member_restart_keeps_its_assignment, test_commits_survive_a_broker_kill))
