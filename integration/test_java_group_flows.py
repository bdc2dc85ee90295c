#!/usr/bin/python3
"""Kafka 3.9's Java tools' consumer-group flows, replayed request by request from the
bytes captured from them (integration/java_golden/; what the tools send: shared/docs/java-clients.md,
sections 3.2-3.6): kafka-console-consumer with and without --group, two of them
rebalancing, and kafka-consumer-groups --list, --describe, --reset-offsets --to-earliest,
--delete-offsets and --delete. Each step checks what the tool would need back and what
it would show (members, assignments, committed offsets, lag)."""
import glob
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))
from broker import Broker  # noqa: E402
from testing import check, main  # noqa: E402
import compat  # noqa: E402
import consumer_protocol as cp  # noqa: E402
import java_replay as jr  # noqa: E402
import kafka_wire as kw  # noqa: E402

CLIENT = compat.java_tools()
TOPIC = "t"  # the topic the captured requests name
# The API versions the Java 3.9 clients send when the broker advertises the full ranges.
JAVA_VERSIONS = {"Metadata": 12, "Fetch": 17, "ListOffsets": 9, "OffsetCommit": 9, "OffsetFetch": 9,
                 "FindCoordinator": 6, "JoinGroup": 9, "Heartbeat": 4, "LeaveGroup": 5,
                 "SyncGroup": 5, "DescribeGroups": 5, "ListGroups": 5, "DeleteGroups": 2,
                 "OffsetDelete": 0, "OffsetForLeaderEpoch": 4}
ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS = 22, 25, 27
NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND, GROUP_SUBSCRIBED_TO_TOPIC = 68, 69, 86


def broker():
    return Broker(overrides={"num.partitions": 3, "auto.create.topics.enable": "true"})


def produce(b, counts):
    """counts[p] records into partition p of TOPIC; values "p<p>-<i>"."""
    with kw.Connection(b.host_port) as conn:
        jr.metadata(conn, [TOPIC])  # auto-creates it
        for p, n in enumerate(counts):
            if n:
                error, _ = kw.produce(conn, TOPIC, p, kw.record_batch(
                    [f"p{p}-{i}".encode() for i in range(n)]))
                check(error == 0, f"produce to {TOPIC}/{p}: error {error}")


def consume_to_end(c):
    """Fetch from the committed positions (or earliest) to the high watermark: records
    by partition, and the leader epoch of the last batch read from each."""
    committed = c.committed()
    earliest = c.earliest()
    positions = {p: committed[p][0] if committed[p][0] >= 0 else earliest[p] for p in c.assignment}
    got, epochs = {p: [] for p in c.assignment}, {}
    for _ in range(50):
        answer = c.fetch(positions)
        check(sorted(answer) == sorted(positions),
              f"Fetch answered partitions {sorted(answer)}, asked {sorted(positions)}")
        done = True
        for p, (error, hwm, records) in answer.items():
            check(error == 0, f"Fetch {TOPIC}/{p}: error {error}")
            for offset, value, epoch in records:
                got[p].append(value)
                positions[p], epochs[p] = offset + 1, epoch
            done = done and positions[p] >= hwm
        if done:
            return got, positions, epochs
    raise AssertionError(f"did not reach the end: positions {positions}")


def eventually(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def start_member(b, group):
    c = jr.ConsoleConsumer(b.host_port, group)
    answer = c.join()
    check(answer["ErrorCode"] == 0, f"JoinGroup: error {answer['ErrorCode']}")
    answer = c.sync()
    check(answer["ErrorCode"] == 0, f"SyncGroup: error {answer['ErrorCode']}")
    return c


# ---------------------------------------------------------------- tests
def test_captured_requests_reencode_byte_for_byte():
    # The replays change fields by decoding and encoding again: that must give back
    # exactly the Java client's bytes when nothing is changed.
    files = sorted(glob.glob(os.path.join(jr.GOLDEN_DIR, "*.hex")))
    check(len(files) >= 14, f"{len(files)} captured requests")
    for path in files:
        g = jr.Golden(os.path.basename(path)[:-4])
        check(g.reencoded() == g.raw, f"{os.path.basename(path)} does not re-encode byte for byte")


def test_broker_advertises_the_java_versions():
    with broker() as b, jr.connect(b.host_port) as conn:
        answer = jr.send(conn, "ApiVersionsRequest_v4")
        ranges = {k["ApiKey"]: (k["MinVersion"], k["MaxVersion"]) for k in answer["ApiKeys"]}
        names = {v: k for k, v in kw.API_NAMES.items()}
        for api, version in JAVA_VERSIONS.items():
            lo, hi = ranges.get(names[api], (None, None))
            check(lo is not None and lo <= version <= hi,
                  f"{api}: advertised {lo}..{hi}, the Java 3.9 client sends v{version}")


@CLIENT.flow("console-consumer-no-group", describe="kafka-console-consumer.sh without --group: "
             "a generated group, range assignment, no commits, the session-closing Fetch")
def test_console_consumer_without_group():
    # Section 3.2: group console-consumer-48274, auto-commit off. The captured JoinGroup,
    # OffsetFetch and ListOffsets go out byte for byte.
    with broker() as b:
        produce(b, [2, 1, 3])
        c = jr.ConsoleConsumer(b.host_port, "console-consumer-48274")
        try:
            first = jr.send(c.coordinator, "JoinGroupRequest_v9")
            check(first["ErrorCode"] == jr.MEMBER_ID_REQUIRED and first["MemberId"],
                  f"first JoinGroup: error {first['ErrorCode']}, member id {first['MemberId']!r}")
            check(first["MemberId"].startswith("console-consumer-"),
                  f"member id {first['MemberId']!r} does not start with the client id")
            c.member_id = first["MemberId"]
            answer = c.read_join(c.send_join(f"need to re-join with the given member-id: {c.member_id}"))
            check(answer["ErrorCode"] == 0, f"second JoinGroup: error {answer['ErrorCode']}")
            check(answer["GenerationId"] >= 1 and answer["ProtocolName"] == "range" and
                  answer["ProtocolType"] in ("consumer", None) and answer["Leader"] == c.member_id,
                  f"JoinGroup answer {answer}")
            check([m["MemberId"] for m in answer["Members"]] == [c.member_id],
                  f"leader's member list {answer['Members']}")
            sub = cp.parse_subscription(answer["Members"][0]["Metadata"])
            check(sub["Topics"] == [TOPIC], f"subscription handed back {sub}")
            sync = c.sync()
            check(sync["ErrorCode"] == 0 and sync["ProtocolType"] in ("consumer", None)
                  and sync["ProtocolName"] in ("range", None), f"SyncGroup answer {sync}")
            check(c.assignment == [0, 1, 2], f"assigned {c.assignment}")

            none = jr.send(c.coordinator, "OffsetFetchRequest_v9")  # as captured
            parts = none["Groups"][0]["Topics"][0]["Partitions"]
            check(sorted((p["PartitionIndex"], p["CommittedOffset"], p["ErrorCode"]) for p in parts)
                  == [(0, -1, 0), (1, -1, 0), (2, -1, 0)], f"OffsetFetch before any commit: {parts}")
            earliest = jr.send(c.leader, "ListOffsetsRequest_v9")  # as captured
            offsets = {p["PartitionIndex"]: (p["ErrorCode"], p["Offset"])
                       for t in earliest["Topics"] for p in t["Partitions"]}
            check(offsets == {0: (0, 0), 1: (0, 0), 2: (0, 0)}, f"earliest offsets {offsets}")
            got, _, _ = consume_to_end(c)
            check(got == {0: [b"p0-0", b"p0-1"], 1: [b"p1-0"], 2: [b"p2-0", b"p2-1", b"p2-2"]},
                  f"records read {got}")
            check(c.heartbeat() == 0, "Heartbeat of a stable member")
            top, members = c.leave()
            check(top == 0 and members == [0], f"LeaveGroup: {top}, {members}")
            check(c.close_fetch_session() == {}, "session-close Fetch answered partitions")
        finally:
            c.close()
        with kw.Connection(b.host_port) as conn:
            g = jr.send(conn, "DescribeGroupsRequest_v5",
                        lambda body: body.update(Groups=["console-consumer-48274"]))["Groups"][0]
            check(g["ErrorCode"] == 0 and g["GroupState"] == "Empty" and g["Members"] == [],
                  f"after the consumer left: {g}")
            error, offsets = jr.admin_offsets(conn, "console-consumer-48274")
            check(error == 0 and offsets == {}, f"no commits expected, found {offsets}")


@CLIENT.flow("commit-resume")
def test_console_consumer_with_group_commits_and_resumes():
    # Section 3.3: auto-commit on. The consumer commits what it read before LeaveGroup;
    # the next one starts from there and reads only what was produced since.
    with broker() as b:
        produce(b, [4, 0, 2])
        c = start_member(b, "G")
        try:
            got, positions, epochs = consume_to_end(c)
            check(sum(len(v) for v in got.values()) == 6, f"read {got}")
            errors = c.commit(positions, epochs)
            check(errors == {0: 0, 1: 0, 2: 0}, f"OffsetCommit errors {errors}")
            check(c.leave()[0] == 0, "LeaveGroup")
            c.close_fetch_session()
        finally:
            c.close()
        produce(b, [1, 1, 0])
        c = start_member(b, "G")
        try:
            committed = c.committed()
            check({p: v[0] for p, v in committed.items()} == {0: 4, 1: 0, 2: 2},
                  f"committed offsets after restart {committed}")
            check({p: v[1] for p, v in committed.items()} == {p: epochs.get(p, -1) for p in range(3)},
                  f"committed leader epochs {committed}, sent {epochs}")
            # A committed offset with a leader epoch is validated first (KIP-320): the
            # epoch's end must not lie before it, or the log was truncated under it.
            for p, (offset, epoch, _) in committed.items():
                if epoch < 0:
                    continue
                answer = jr.send(c.leader, "OffsetForLeaderEpochRequest_v4", lambda body: body.update(
                    Topics=[{"Topic": TOPIC, "Partitions": [
                        {"Partition": p, "CurrentLeaderEpoch": 0, "LeaderEpoch": epoch}]}]))
                end = answer["Topics"][0]["Partitions"][0]
                check(end["ErrorCode"] == 0 and end["LeaderEpoch"] == 0 and end["EndOffset"] >= offset,
                      f"OffsetForLeaderEpoch for partition {p} at {offset}: {end}")
            got, positions, _ = consume_to_end(c)
            check(got == {0: [b"p0-0"], 1: [b"p1-0"], 2: []}, f"resumed and read {got}")
            check(c.commit(positions) == {0: 0, 1: 0, 2: 0}, "second OffsetCommit")
            check(c.leave()[0] == 0, "LeaveGroup")
        finally:
            c.close()


@CLIENT.flow("group-rebalance")
def test_two_console_consumers_rebalance():
    # Section 3.4: B joins a stable group of A. A learns it at its next Heartbeat (27),
    # commits with its current generation (accepted while preparing), rejoins; leader A
    # splits the partitions. Then A leaves and B takes everything.
    with broker() as b:
        produce(b, [1, 1, 1])
        a = start_member(b, "R")
        bb = jr.ConsoleConsumer(b.host_port, "R")
        try:
            check(a.assignment == [0, 1, 2], f"A alone owns {a.assignment}")
            first = bb.read_join(bb.send_join())
            check(first["ErrorCode"] == jr.MEMBER_ID_REQUIRED, f"B's first JoinGroup: {first['ErrorCode']}")
            bb.member_id = first["MemberId"]
            b_join = bb.send_join(f"need to re-join with the given member-id: {bb.member_id}")
            hb = eventually(lambda: a.heartbeat() == REBALANCE_IN_PROGRESS)
            check(hb, "A's Heartbeat never answered REBALANCE_IN_PROGRESS after B joined")
            check(a.commit({0: 1, 1: 1, 2: 1}) == {0: 0, 1: 0, 2: 0},
                  "A's commit with its generation while the group prepares a rebalance")
            a_join = a.send_join("group is already rebalancing")
            a_answer, b_answer = a.read_join(a_join), bb.read_join(b_join)
            check(a_answer["ErrorCode"] == 0 and b_answer["ErrorCode"] == 0,
                  f"JoinGroup errors A {a_answer['ErrorCode']}, B {b_answer['ErrorCode']}")
            check(a_answer["GenerationId"] == b_answer["GenerationId"] >= 2, "generations differ")
            leader, follower = (a, bb) if a_answer["Leader"] == a.member_id else (bb, a)
            check(len(leader.join_answer["Members"]) == 2 and follower.join_answer["Members"] == [],
                  "only the leader gets the member list")
            f_sync = follower.send_sync()  # waits for the leader's SyncGroup
            l_sync = leader.send_sync()
            check(follower.read_sync(f_sync)["ErrorCode"] == 0 and leader.read_sync(l_sync)["ErrorCode"] == 0,
                  "SyncGroup errors")
            check(sorted(a.assignment + bb.assignment) == [0, 1, 2] and a.assignment and bb.assignment,
                  f"split A {a.assignment}, B {bb.assignment}")
            committed = bb.committed()
            check(all(committed[p][0] == 1 for p in bb.assignment), f"B sees A's commits {committed}")
            check(a.heartbeat() == 0 and bb.heartbeat() == 0, "Heartbeats after the rebalance")

            check(a.leave()[0] == 0, "A's LeaveGroup")
            check(eventually(lambda: bb.heartbeat() == REBALANCE_IN_PROGRESS),
                  "B's Heartbeat never answered REBALANCE_IN_PROGRESS after A left")
            answer = bb.join("group is already rebalancing")
            check(answer["ErrorCode"] == 0 and answer["Leader"] == bb.member_id,
                  f"B's rejoin: {answer['ErrorCode']}, leader {answer['Leader']}")
            check(bb.sync()["ErrorCode"] == 0 and bb.assignment == [0, 1, 2], f"B owns {bb.assignment}")
            check(bb.leave()[0] == 0, "B's LeaveGroup")
        finally:
            a.close()
            bb.close()


@CLIENT.flow("kafka-consumer-groups", describe="kafka-consumer-groups.sh --list (state filters), "
             "--describe (members, offsets, lag; a missing group), --reset-offsets --to-earliest, "
             "--delete-offsets, --delete, with the errors Kafka gives an active group")
def test_consumer_groups_list():
    # --list, and --list --state stable,empty: Metadata(Topics=[]) then ListGroups v5.
    with broker() as b:
        produce(b, [1, 1, 1])
        active = start_member(b, "G2")
        done = start_member(b, "G-done")
        try:
            check(done.commit({0: 1}) == {0: 0}, "commit")
            check(done.leave()[0] == 0, "LeaveGroup")
            with jr.connect(b.host_port) as admin:
                md = admin.call("Metadata", 12, {"Topics": [], "AllowAutoTopicCreation": True})
                check(md["Topics"] == [], "Metadata with Topics=[] listed topics")
                answer = jr.send(admin, "ListGroupsRequest_v5")  # as captured
                check(answer["ErrorCode"] == 0, f"ListGroups: error {answer['ErrorCode']}")
                groups = {g["GroupId"]: (g["ProtocolType"], g["GroupState"], g["GroupType"])
                          for g in answer["Groups"]}
                check(groups.get("G2") == ("consumer", "Stable", "classic"), f"G2 listed as {groups.get('G2')}")
                check(groups.get("G-done") == ("consumer", "Empty", "classic"),
                      f"G-done listed as {groups.get('G-done')}")
                check(not any(g.startswith("__") for g in groups), f"internal names listed: {groups}")
                stable = jr.send(admin, "ListGroupsRequest_v5", lambda body: body.update(StatesFilter=["Stable"]))
                check([g["GroupId"] for g in stable["Groups"]] == ["G2"], f"--state stable: {stable['Groups']}")
                both = jr.send(admin, "ListGroupsRequest_v5",
                               lambda body: body.update(StatesFilter=["Empty", "Stable"]))
                check(sorted(g["GroupId"] for g in both["Groups"]) == ["G-done", "G2"],
                      f"--state stable,empty: {both['Groups']}")
        finally:
            active.close()
            done.close()


def describe(admin, group):
    """What --describe --group sends: FindCoordinator, DescribeGroups (ConsumerGroupDescribe
    first when the broker advertises it), OffsetFetch of all partitions, ListOffsets latest.
    Returns (described group, {partition: (committed, end, lag)})."""
    answer = jr.send(admin, "FindCoordinatorRequest_v6", lambda body: body.update(CoordinatorKeys=[group]))
    check(answer["Coordinators"][0]["ErrorCode"] == 0, f"FindCoordinator {answer}")
    g = jr.send(admin, "DescribeGroupsRequest_v5", lambda body: body.update(Groups=[group]))["Groups"][0]
    check(g["ErrorCode"] == 0 and g["GroupId"] == group, f"DescribeGroups {g}")
    error, committed = jr.admin_offsets(admin, group)
    check(error == 0, f"OffsetFetch group error {error}")
    partitions = sorted(p for t, p in committed if t == TOPIC)
    ends = jr.list_offsets(admin, TOPIC, partitions, -1) if partitions else {}
    lag = {}
    for p in partitions:
        check(ends[p][0] == 0, f"ListOffsets {TOPIC}/{p}: error {ends[p][0]}")
        lag[p] = (committed[(TOPIC, p)], ends[p][1], ends[p][1] - committed[(TOPIC, p)])
    return g, lag


@CLIENT.flow("kafka-consumer-groups")
def test_consumer_groups_describe_members_and_lag():
    with broker() as b:
        produce(b, [5, 3, 4])
        a = start_member(b, "G2")  # as captured: DescribeGroups names G2
        try:
            check(a.commit({0: 2, 1: 3, 2: 0}) == {0: 0, 1: 0, 2: 0}, "commit")
            with jr.connect(b.host_port) as admin:
                as_captured = jr.send(admin, "DescribeGroupsRequest_v5")["Groups"][0]
                g, lag = describe(admin, "G2")
                check(as_captured == g, "the captured DescribeGroups and the edited one differ")
            check(g["GroupState"] == "Stable" and g["ProtocolType"] == "consumer"
                  and g["ProtocolData"] == "range", f"group {g['GroupState']}/{g['ProtocolType']}/{g['ProtocolData']}")
            check(len(g["Members"]) == 1, f"members {g['Members']}")
            m = g["Members"][0]
            check(m["MemberId"] == a.member_id and m["ClientId"] == "console-consumer"
                  and "127.0.0.1" in m["ClientHost"], f"member {m['MemberId']} {m['ClientId']} {m['ClientHost']}")
            check(cp.parse_subscription(m["MemberMetadata"])["Topics"] == [TOPIC], "member metadata")
            check(cp.parse_assignment(m["MemberAssignment"]) == {TOPIC: [0, 1, 2]},
                  f"member assignment {cp.parse_assignment(m['MemberAssignment'])}")
            check(lag == {0: (2, 5, 3), 1: (3, 3, 0), 2: (0, 4, 4)}, f"committed/end/lag {lag}")
            check(a.leave()[0] == 0, "LeaveGroup")
            with jr.connect(b.host_port) as admin:
                g, lag = describe(admin, "G2")
            check(g["GroupState"] == "Empty" and g["Members"] == [], f"after leaving: {g}")
            check(lag == {0: (2, 5, 3), 1: (3, 3, 0), 2: (0, 4, 4)}, f"lag of the empty group {lag}")
        finally:
            a.close()


@CLIENT.flow("kafka-consumer-groups")
def test_consumer_groups_describe_missing_group():
    # A missing group: ErrorCode 0 and state Dead ("does not exist"); OffsetFetch still sent.
    with broker() as b, jr.connect(b.host_port) as admin:
        g = jr.send(admin, "DescribeGroupsRequest_v5", lambda body: body.update(Groups=["NOPE"]))["Groups"][0]
        check(g["ErrorCode"] == 0 and g["GroupState"] == "Dead" and g["Members"] == [],
              f"missing group described as {g}")
        error, offsets = jr.admin_offsets(admin, "NOPE")
        check(error == 0 and offsets == {}, f"OffsetFetch of a missing group: {error}, {offsets}")


@CLIENT.flow("kafka-consumer-groups")
def test_consumer_groups_reset_offsets_to_earliest():
    with broker() as b:
        produce(b, [3, 3, 3])
        a = start_member(b, "G2")
        try:
            check(a.commit({0: 3, 1: 2, 2: 1}) == {0: 0, 1: 0, 2: 0}, "commit")
            with jr.connect(b.host_port) as admin:
                # On an active group the tool stops after DescribeGroups; a commit like the
                # tool's (generation -1, no member id) is refused by Kafka as well.
                g = jr.send(admin, "DescribeGroupsRequest_v5")["Groups"][0]
                check(g["GroupState"] == "Stable", f"state {g['GroupState']}")
                refused = jr.admin_commit(admin, "G2", TOPIC, {0: 0, 1: 0, 2: 0})
                check(set(refused.values()) == {UNKNOWN_MEMBER_ID},
                      f"admin commit to an active group answered {refused}, expected 25")
            check(a.leave()[0] == 0, "LeaveGroup")
            with jr.connect(b.host_port) as admin:
                g = jr.send(admin, "DescribeGroupsRequest_v5")["Groups"][0]
                check(g["GroupState"] == "Empty", f"state after leave {g['GroupState']}")
                earliest = jr.list_offsets(admin, TOPIC, [0, 1, 2], -2)
                check(earliest == {0: (0, 0), 1: (0, 0), 2: (0, 0)}, f"earliest {earliest}")
                errors = jr.admin_commit(admin, "G2", TOPIC, {p: o for p, (_, o) in earliest.items()})
                check(errors == {0: 0, 1: 0, 2: 0}, f"reset commit errors {errors}")
                _, lag = describe(admin, "G2")
                check(lag == {0: (0, 3, 3), 1: (0, 3, 3), 2: (0, 3, 3)}, f"after the reset: {lag}")
                # Resetting a group that does not exist creates it with those offsets.
                errors = jr.admin_commit(admin, "G-new", TOPIC, {0: 1})
                check(errors == {0: 0}, f"reset of a new group: {errors}")
                check(jr.admin_offsets(admin, "G-new") == (0, {(TOPIC, 0): 1}), "offsets of the new group")
        finally:
            a.close()
        c = start_member(b, "G2")
        try:
            got, _, _ = consume_to_end(c)
            check(all(len(v) == 3 for v in got.values()), f"after the reset the consumer read {got}")
        finally:
            c.close()


@CLIENT.flow("kafka-consumer-groups")
def test_consumer_groups_delete_offsets():
    with broker() as b:
        produce(b, [1, 1, 1])
        a = start_member(b, "G2")
        try:
            check(a.commit({0: 1, 1: 1, 2: 1}) == {0: 0, 1: 0, 2: 0}, "commit")
            with jr.connect(b.host_port) as admin:
                answer = jr.send(admin, "OffsetDeleteRequest_v0")  # as captured: G2, t [2,1,0]
                errors = {p["PartitionIndex"]: p["ErrorCode"] for t in answer["Topics"] for p in t["Partitions"]}
                check(answer["ErrorCode"] == 0 and errors == {0: GROUP_SUBSCRIBED_TO_TOPIC,
                      1: GROUP_SUBSCRIBED_TO_TOPIC, 2: GROUP_SUBSCRIBED_TO_TOPIC},
                      f"OffsetDelete while subscribed: {answer}")
                check(len(jr.admin_offsets(admin, "G2")[1]) == 3, "a refused OffsetDelete deleted offsets")
            check(a.leave()[0] == 0, "LeaveGroup")
            with jr.connect(b.host_port) as admin:
                answer = jr.send(admin, "OffsetDeleteRequest_v0")
                errors = {p["PartitionIndex"]: p["ErrorCode"] for t in answer["Topics"] for p in t["Partitions"]}
                check(answer["ErrorCode"] == 0 and errors == {0: 0, 1: 0, 2: 0}, f"OffsetDelete: {answer}")
                check(jr.admin_offsets(admin, "G2") == (0, {}), "offsets left after OffsetDelete")
                missing = jr.send(admin, "OffsetDeleteRequest_v0", lambda body: body.update(GroupId="NOPE"))
                check(missing["ErrorCode"] == GROUP_ID_NOT_FOUND, f"OffsetDelete of a missing group: {missing}")
        finally:
            a.close()


@CLIENT.flow("kafka-consumer-groups")
def test_consumer_groups_delete():
    with broker() as b:
        produce(b, [1, 1, 1])
        a = start_member(b, "G2")
        try:
            check(a.commit({0: 1}) == {0: 0}, "commit")
            with jr.connect(b.host_port) as admin:
                answer = jr.send(admin, "DeleteGroupsRequest_v2")  # as captured: G2
                check([(r["GroupId"], r["ErrorCode"]) for r in answer["Results"]] == [("G2", NON_EMPTY_GROUP)],
                      f"DeleteGroups of an active group: {answer['Results']}")
            check(a.leave()[0] == 0, "LeaveGroup")
            with jr.connect(b.host_port) as admin:
                answer = jr.send(admin, "DeleteGroupsRequest_v2")
                check([(r["GroupId"], r["ErrorCode"]) for r in answer["Results"]] == [("G2", 0)],
                      f"DeleteGroups of the empty group: {answer['Results']}")
                listed = jr.send(admin, "ListGroupsRequest_v5")
                check("G2" not in [g["GroupId"] for g in listed["Groups"]], "G2 still listed")
                g = jr.send(admin, "DescribeGroupsRequest_v5")["Groups"][0]
                check(g["GroupState"] == "Dead", f"deleted group described as {g['GroupState']}")
                check(jr.admin_offsets(admin, "G2") == (0, {}), "offsets survived the delete")
                again = jr.send(admin, "DeleteGroupsRequest_v2")
                check([(r["GroupId"], r["ErrorCode"]) for r in again["Results"]] == [("G2", GROUP_ID_NOT_FOUND)],
                      f"deleting it again: {again['Results']}")
        finally:
            a.close()


if __name__ == "__main__":
    sys.exit(main(test_captured_requests_reencode_byte_for_byte, test_broker_advertises_the_java_versions,
                  test_console_consumer_without_group, test_console_consumer_with_group_commits_and_resumes,
                  test_two_console_consumers_rebalance, test_consumer_groups_list,
                  test_consumer_groups_describe_members_and_lag, test_consumer_groups_describe_missing_group,
                  test_consumer_groups_reset_offsets_to_earliest, test_consumer_groups_delete_offsets,
                  test_consumer_groups_delete))
