#!/usr/bin/python3
"""Group coordinator with real clients: librdkafka high-level consumers (through
confluent-kafka) in one group split a 6-partition topic, two then three, no partition
owned twice or left unowned, every message consumed; committed offsets survive a
SIGKILL and restart and the group resumes from them; kcat -G consumes, commits and
resumes."""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))
from broker import Broker, DataDir  # noqa: E402
from testing import check, main, require_module, require_tool, run, wait_until  # noqa: E402
import compat  # noqa: E402

ck = require_module("confluent_kafka")
from confluent_kafka.admin import AdminClient  # noqa: E402
KCAT = require_tool("kcat")

PARTITIONS = 6
OVERRIDES = {"num.partitions": PARTITIONS, "group.initial.rebalance.delay.ms": 0}


def produce(bootstrap, topic, count, start=0):
    p = ck.Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for i in range(start, start + count):
        p.produce(topic, key=f"k{i}".encode(), value=f"v{i}".encode(), partition=i % PARTITIONS)
    check(p.flush(30) == 0, "producer did not deliver everything")


class Member:
    """One high-level consumer polling on its own thread; records its assignment and messages."""

    def __init__(self, bootstrap, group, topic, **extra):
        conf = {"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                "session.timeout.ms": 6000, "heartbeat.interval.ms": 500,
                "enable.auto.commit": False}
        conf.update(extra)
        self.consumer = ck.Consumer(conf)
        self.assignment = set()
        self.messages = []
        self.errors = []
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.consumer.subscribe([topic], on_assign=self._on_assign, on_revoke=self._on_revoke)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _on_assign(self, consumer, partitions):
        with self.lock:
            self.assignment = {p.partition for p in partitions}

    def _on_revoke(self, consumer, partitions):
        with self.lock:
            self.assignment = set()

    def _run(self):
        while not self.stop_event.is_set():
            m = self.consumer.poll(0.1)
            if m is None:
                continue
            if m.error():
                if m.error().code() != ck.KafkaError._PARTITION_EOF:
                    self.errors.append(str(m.error()))
                continue
            with self.lock:
                self.messages.append((m.partition(), m.offset(), m.value().decode()))

    def owned(self):
        with self.lock:
            return set(self.assignment)

    def close(self, commit=False):
        self.stop_event.set()
        self.thread.join(10)
        if commit:
            self.consumer.commit(asynchronous=False)
        self.consumer.close()


def split_is_clean(members):
    owned = [m.owned() for m in members]
    union = set().union(*owned)
    return (all(owned) and sum(len(o) for o in owned) == PARTITIONS and union == set(range(PARTITIONS)))


def wait_for_clean_split(members, what):
    # Clean, and still clean a moment later (no rebalance under way).
    def stable():
        if not split_is_clean(members):
            return False
        before = [m.owned() for m in members]
        time.sleep(1.0)
        return split_is_clean(members) and before == [m.owned() for m in members]
    wait_until(stable, 60, what=what)
    return [sorted(m.owned()) for m in members]


@compat.confluent_kafka().flow("group-rebalance")
def test_consumers_split_a_topic_two_then_three():
    with Broker(overrides=OVERRIDES) as broker:
        topic = "split"
        produce(broker.bootstrap, topic, 600)
        members = [Member(broker.bootstrap, "splitters", topic) for _ in range(2)]
        try:
            split = wait_for_clean_split(members, "two members to split 6 partitions")
            check([len(s) for s in split] == [3, 3], f"uneven split between two members: {split}")
            members.append(Member(broker.bootstrap, "splitters", topic))
            split = wait_for_clean_split(members, "three members to split 6 partitions")
            check(sorted(len(s) for s in split) == [2, 2, 2], f"uneven split between three: {split}")
            seen = lambda: {v for m in members for (_, _, v) in list(m.messages)}  # noqa: E731
            wait_until(lambda: len(seen()) == 600, 30, what="all 600 messages consumed")
            errors = [e for m in members for e in m.errors]
            check(not errors, f"consumer errors: {errors}")
        finally:
            for m in members:
                m.close()
        # The group is empty now and listed as such.
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        groups = admin.list_groups("splitters", timeout=10)
        check(len(groups) == 1 and groups[0].state == "Empty", f"group after close: {groups}")


@compat.confluent_kafka().flow("commit-resume")
def test_commit_survives_sigkill_and_the_group_resumes():
    with DataDir() as data:
        topic = "resume"
        broker = Broker(data_dir=data, overrides=OVERRIDES)
        with broker:
            produce(broker.bootstrap, topic, 120)
            m = Member(broker.bootstrap, "resumers", topic)
            wait_until(lambda: len(m.messages) == 120, 60, what="first 120 messages")
            m.close(commit=True)
            broker.kill()  # SIGKILL: the commit must already be durable
            broker.start()  # same data dir, new port
            produce(broker.bootstrap, topic, 30, start=120)
            m = Member(broker.bootstrap, "resumers", topic)
            try:
                wait_until(lambda: len(m.messages) >= 30, 60, what="the 30 new messages")
                time.sleep(1.0)  # nothing older may follow
                values = sorted(int(v[1:]) for (_, _, v) in m.messages)
                check(values == list(range(120, 150)), f"resumed group consumed {values[:10]}...")
                committed = m.consumer.committed([ck.TopicPartition(topic, p) for p in range(PARTITIONS)],
                                                 timeout=10)
                check(all(tp.offset == 20 for tp in committed), f"committed after restart: {committed}")
            finally:
                m.close()


@compat.kcat().flow("commit-resume")
def test_kcat_group_consumes_commits_and_resumes():
    with Broker(overrides=OVERRIDES) as broker:
        topic = "kcat-group"
        produce(broker.bootstrap, topic, 60)

        def consume():
            p = run([KCAT, "-b", broker.bootstrap, "-G", "kcat-group", topic, "-e",
                     "-q", "-f", "%s\n", "-X", "auto.offset.reset=earliest",
                     "-X", "auto.commit.interval.ms=100"], timeout=60)
            return sorted(p.stdout.decode().split())

        first = consume()
        check(first == sorted(f"v{i}" for i in range(60)), f"kcat -G read {len(first)} of 60")
        produce(broker.bootstrap, topic, 6, start=60)
        second = consume()
        check(second == sorted(f"v{i}" for i in range(60, 66)), f"kcat -G resumed with {second}")


if __name__ == "__main__":
    sys.exit(main(test_consumers_split_a_topic_two_then_three,
                  test_commit_survives_sigkill_and_the_group_resumes,
                  test_kcat_group_consumes_commits_and_resumes))
