#!/usr/bin/env python3
"""Consumer-group coordinator timings against a running broker, over raw requests at the
Java client's versions (integration/harness/group_member.py). scripts/bench-groups.sh
starts the brokers and runs the phases; one phase per run:

  join     N members start at once: ms from the first JoinGroup until every member has
           its SyncGroup answer in one generation. With the broker's
           group.initial.rebalance.delay.ms given as --delay-ms, also net of what Kafka's
           rule makes a coordinator wait: the delay, and again while members arrived in
           the last window (so about twice the delay when all arrive at once)
  leave    N members stable, one leaves: ms from its LeaveGroup until the others are
           stable again; they learn of it from a Heartbeat, sent every --heartbeat-ms
  commit   C members of one group, each in its own process, commit the offsets of
           their partitions as commitSync does (one request in flight) for --seconds:
           partition-offsets per second and per-request latency

Prints one result line per phase as `name value unit [detail]`.
"""
import argparse
import multiprocessing
import os
import selectors
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "harness"))
import group_member as gm  # noqa: E402
from group_member import RawMember  # noqa: E402
from kafka_wire import Connection  # noqa: E402

REBALANCE_TIMEOUT_MS = 120000


def create_topic(host_port, topic, partitions):
    with Connection(host_port) as conn:
        answer = conn.call("CreateTopics", 7, {"Topics": [{"Name": topic, "NumPartitions": partitions,
                                                           "ReplicationFactor": 1}], "timeoutMs": 30000})
        error = answer["Topics"][0]["ErrorCode"]
        if error not in (0, 36):  # 36: it exists already
            raise SystemExit(f"CreateTopics {topic}: error {error}")


class Driver:
    """Drives members the way consumers behave: JoinGroup (79, then with the id), SyncGroup
    (the leader assigns), Heartbeat every `heartbeat_s` once synced, and a new JoinGroup
    when an answer says REBALANCE_IN_PROGRESS. One request in flight per member, all
    members on one selector."""

    def __init__(self, members, counts, heartbeat_s):
        self.members, self.counts, self.heartbeat_s = list(members), counts, heartbeat_s
        self.selector = selectors.DefaultSelector()
        self.in_flight, self.synced, self.next_heartbeat = {}, {}, {}
        self.arrivals, self.arrived = [], set()  # when each member first sent a JoinGroup with its id
        for m in self.members:
            self.selector.register(m.conn.sock, selectors.EVENT_READ, m)

    def remove(self, m):
        self.selector.unregister(m.conn.sock)
        self.members.remove(m)
        for table in (self.in_flight, self.synced, self.next_heartbeat):
            table.pop(m, None)

    def join(self, m, reason=""):
        if m.member_id and m not in self.arrived:
            self.arrived.add(m)
            self.arrivals.append(time.monotonic())
        m.send_join(reason)
        self.in_flight[m] = "join"
        self.synced.pop(m, None)

    def stable(self, min_generation):
        generations = {self.synced.get(m, -1) for m in self.members}
        return len(generations) == 1 and min(generations) >= min_generation and \
            not any(kind == "join" for kind in self.in_flight.values())

    def run(self, min_generation=0, timeout=300.0):
        """Until every member is synced in one generation, at least `min_generation`;
        returns the monotonic time then."""
        deadline = time.monotonic() + timeout
        while not self.stable(min_generation):
            if time.monotonic() > deadline:
                raise SystemExit(f"not stable within {timeout}s")
            for key, _ in self.selector.select(timeout=0.005):
                self.answer(key.data)
            now = time.monotonic()
            for m in self.members:
                if m not in self.in_flight and m in self.synced and now >= self.next_heartbeat[m]:
                    m.send_heartbeat()
                    self.in_flight[m] = "heartbeat"
        return time.monotonic()

    def answer(self, m):
        kind = self.in_flight.pop(m)
        if kind == "join":
            error = m.read_join()["ErrorCode"]
            if error == gm.MEMBER_ID_REQUIRED:
                self.join(m, f"need to re-join with the given member-id: {m.member_id}")
            elif error == 0:
                m.send_sync(self.counts)
                self.in_flight[m] = "sync"
            else:
                raise SystemExit(f"JoinGroup: error {error}")
            return
        error = m.read_sync()["ErrorCode"] if kind == "sync" else m.read_heartbeat()
        if error == gm.REBALANCE_IN_PROGRESS:
            self.join(m, "group is already rebalancing")
        elif error == 0:
            if kind == "sync":
                self.synced[m] = m.generation
            self.next_heartbeat[m] = time.monotonic() + self.heartbeat_s
        else:
            raise SystemExit(f"{kind}: error {error}")


def kafka_delay_windows(arrivals, delay_ms, rebalance_timeout_ms):
    """How long Kafka's coordinator holds the first rebalance of an empty group: the
    delay from the first member's arrival, then again (at most the rebalance timeout in
    all) as long as new members arrived during the last window."""
    if delay_ms <= 0 or not arrivals:
        return 0.0
    first = arrivals[0]
    end, remaining = first + delay_ms / 1000, (rebalance_timeout_ms - delay_ms) / 1000
    start, added = first, any(first < t <= end for t in arrivals[1:])
    while added and remaining > 0:
        window = min(delay_ms / 1000, remaining)
        start, end, remaining = end, end + window, remaining - window
        added = any(start < t <= end for t in arrivals)
    return end - first


def join_phase(host_port, group, topic, n, counts, heartbeat_s, delay_ms):
    """n members start at once. Returns (ms until all are stable, ms of that Kafka's
    initial rebalance delay accounts for, the driver)."""
    members = [RawMember(host_port, group, [topic], session_timeout_ms=60000,
                         rebalance_timeout_ms=REBALANCE_TIMEOUT_MS, client_id=f"bench-{i}", timeout=300.0)
               for i in range(n)]
    driver = Driver(members, counts, heartbeat_s)
    start = time.monotonic()
    for m in members:
        driver.join(m)
    stable = driver.run()
    owned = sorted(p for m in members for p in m.assignment.get(topic, []))
    if owned != list(range(counts[topic])):
        raise SystemExit(f"assignment does not cover the topic once: {owned}")
    waited = kafka_delay_windows(driver.arrivals, delay_ms, REBALANCE_TIMEOUT_MS)
    return (stable - start) * 1000, waited * 1000, driver


def leave_phase(driver):
    """One member leaves; ms until the rest are stable again."""
    leaving = driver.members[0]
    generation = leaving.generation
    start = time.monotonic()
    error, member_error = leaving.leave()
    if error or member_error:
        raise SystemExit(f"LeaveGroup: error {error}/{member_error}")
    driver.remove(leaving)
    return (driver.run(min_generation=generation + 1) - start) * 1000


def committer(host_port, group, member_id, generation, topic, partitions, seconds, out):
    m = RawMember(host_port, group, [topic])
    m.member_id, m.generation = member_id, generation
    latencies, offset = [], 0
    heartbeat_at = time.monotonic() + 1.0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        offset += 1
        t = time.monotonic()
        errors = m.commit({(topic, p): offset for p in partitions})
        latencies.append(time.monotonic() - t)
        if any(errors.values()):
            out.put(("error", errors))
            return
        if time.monotonic() > heartbeat_at:
            m.heartbeat()
            heartbeat_at = time.monotonic() + 1.0
    out.put(("ok", len(latencies) * len(partitions), sorted(latencies)))


def commit_phase(host_port, group, topic, consumers, partitions, seconds):
    counts = {topic: partitions}
    _, _, driver = join_phase(host_port, group, topic, consumers, counts, 1.0, 0)
    members = driver.members
    out = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=committer, args=(
        host_port, group, m.member_id, m.generation, topic, m.assignment[topic], seconds, out), daemon=True)
        for m in members]
    start = time.monotonic()
    for p in procs:
        p.start()
    results = [out.get(timeout=seconds + 120) for _ in procs]
    elapsed = time.monotonic() - start
    for p in procs:
        p.join(30)
    for m in members:
        m.close()
    failed = [r for r in results if r[0] != "ok"]
    if failed:
        raise SystemExit(f"OffsetCommit failed: {failed[0]}")
    total = sum(r[1] for r in results)
    latencies = sorted(x for r in results for x in r[2])
    p50, p99 = latencies[len(latencies) // 2], latencies[min(len(latencies) - 1, len(latencies) * 99 // 100)]
    return total / elapsed, len(latencies), p50 * 1000, p99 * 1000


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bootstrap", required=True, help="host:port")
    ap.add_argument("--phase", choices=["join", "leave", "commit"], required=True)
    ap.add_argument("--members", type=int, default=50)
    ap.add_argument("--delay-ms", type=int, default=0, help="the broker's group.initial.rebalance.delay.ms")
    ap.add_argument("--heartbeat-ms", type=float, default=50.0,
                    help="how often synced members heartbeat (0: back to back)")
    ap.add_argument("--consumers", type=int, default=4, help="committing consumers")
    ap.add_argument("--partitions", type=int, default=64, help="partitions of the committed topic")
    ap.add_argument("--seconds", type=float, default=5.0, help="length of the commit phase")
    args = ap.parse_args()
    host, port = args.bootstrap.rsplit(":", 1)
    host_port = (host, int(port))
    tag = f"{os.getpid()}-{int(time.time())}"
    if args.phase in ("join", "leave"):
        topic = f"bench-groups-{args.members}"
        counts = {topic: args.members}
        create_topic(host_port, topic, args.members)
        heartbeat_s = args.heartbeat_ms / 1000
        stable_ms, waited_ms, driver = join_phase(host_port, f"bench-join-{tag}", topic, args.members,
                                                  counts, heartbeat_s, args.delay_ms)
        members = list(driver.members)
        try:
            if args.phase == "join":
                print(f"join_stable {stable_ms:.0f} ms members={args.members} delay_ms={args.delay_ms}")
                print(f"join_stable_net {stable_ms - waited_ms:.0f} ms delay_windows_ms={waited_ms:.0f}")
            else:
                print(f"leave_stable {leave_phase(driver):.0f} ms members={args.members - 1}")
        finally:
            for m in members:
                m.close()
    else:
        topic = f"bench-commits-{args.partitions}"
        create_topic(host_port, topic, args.partitions)
        rate, requests, p50, p99 = commit_phase(host_port, f"bench-commit-{tag}", topic, args.consumers,
                                                args.partitions, args.seconds)
        print(f"commit_rate {rate:.0f} partition-offsets/s consumers={args.consumers} "
              f"partitions={args.partitions} requests={requests} p50_ms={p50:.2f} p99_ms={p99:.2f}")


if __name__ == "__main__":
    main()
