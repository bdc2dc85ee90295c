#!/usr/bin/env python3
"""Consumer-group coordinator timings against a running broker, over raw requests at the
Java client's versions (integration/harness/group_member.py). scripts/bench-groups.sh
starts the brokers and runs the phases; one phase per run:

  join     N members start at once: ms from the first JoinGroup until every member has
           its SyncGroup answer (with the broker's group.initial.rebalance.delay.ms,
           given as --delay-ms, also reported net of it)
  leave    N members stable, one leaves: ms from its LeaveGroup until the others are
           stable again (they heartbeat back to back, so this is the coordinator's part,
           not heartbeat.interval.ms)
  commit   C members of one group, each in its own process, commit the offsets of
           their partitions as commitSync does (one request in flight) for --seconds:
           partition-offsets per second and per-request latency

Prints one result line per phase as `name value unit [detail]`.
"""
import argparse
import multiprocessing
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "harness"))
import group_member as gm  # noqa: E402
from group_member import RawMember  # noqa: E402
from kafka_wire import Connection  # noqa: E402


def create_topic(host_port, topic, partitions):
    with Connection(host_port) as conn:
        answer = conn.call("CreateTopics", 7, {"Topics": [{"Name": topic, "NumPartitions": partitions,
                                                           "ReplicationFactor": 1}], "TimeoutMs": 30000})
        error = answer["Topics"][0]["ErrorCode"]
        if error not in (0, 36):  # 36: it exists already
            raise SystemExit(f"CreateTopics {topic}: error {error}")


def expect(answer, what):
    if answer["ErrorCode"] != 0:
        raise SystemExit(f"{what}: error {answer['ErrorCode']}")


def sync_all(members, counts):
    for m in sorted(members, key=lambda m: m.is_leader):  # followers wait, the leader assigns
        m.send_sync(counts)
    for m in members:
        expect(m.read_sync(), "SyncGroup")


def join_phase(host_port, group, topic, n, counts):
    """Members with open connections; returns (ms until all are stable, the members)."""
    members = [RawMember(host_port, group, [topic], session_timeout_ms=60000,
                         rebalance_timeout_ms=120000, client_id=f"bench-{i}", timeout=300.0)
               for i in range(n)]
    start = time.monotonic()
    for m in members:  # 79 MEMBER_ID_REQUIRED, with the member id
        m.send_join()
    for m in members:
        answer = m.read_join()
        if answer["ErrorCode"] not in (0, gm.MEMBER_ID_REQUIRED):
            raise SystemExit(f"JoinGroup: error {answer['ErrorCode']}")
    for m in members:
        m.send_join("need to re-join with the given member-id")
    for m in members:
        expect(m.read_join(), "JoinGroup")
    sync_all(members, counts)
    elapsed = (time.monotonic() - start) * 1000
    owned = sorted(p for m in members for p in m.assignment.get(topic, []))
    if owned != list(range(counts[topic])):
        raise SystemExit(f"assignment does not cover the topic once: {owned}")
    return elapsed, members


def leave_phase(members, counts):
    """One member leaves; the rest heartbeat back to back, rejoin on 27, sync."""
    leaving, rest = members[0], members[1:]
    start = time.monotonic()
    expect({"ErrorCode": leaving.leave()[0]}, "LeaveGroup")
    waiting = list(rest)
    while waiting:
        still = []
        for m in waiting:
            error = m.heartbeat()
            if error == gm.REBALANCE_IN_PROGRESS:
                m.send_join("group is already rebalancing")
            elif error == 0:
                still.append(m)
            else:
                raise SystemExit(f"Heartbeat: error {error}")
        waiting = still
    for m in rest:
        expect(m.read_join(), "JoinGroup")
    sync_all(rest, counts)
    return (time.monotonic() - start) * 1000


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
    _, members = join_phase(host_port, group, topic, consumers, counts)
    out = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=committer, args=(
        host_port, group, m.member_id, m.generation, topic, m.assignment[topic], seconds, out))
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
        stable_ms, members = join_phase(host_port, f"bench-join-{tag}", topic, args.members, counts)
        try:
            if args.phase == "join":
                print(f"join_stable {stable_ms:.0f} ms members={args.members} delay_ms={args.delay_ms}")
                print(f"join_stable_net {stable_ms - args.delay_ms:.0f} ms members={args.members}")
            else:
                print(f"leave_stable {leave_phase(members, counts):.0f} ms members={args.members - 1}")
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
