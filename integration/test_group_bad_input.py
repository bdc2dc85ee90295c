#!/usr/bin/python3
"""Group-coordinator requests that Kafka refuses, over raw sockets at the Java client's
versions, and the error codes it refuses them with: stale generation (22), unknown
member (25), heartbeat to a missing group (25), inconsistent protocols (23), session
timeout outside the broker's bounds (26), a full group (81), deleting a non-empty group
(68), an empty group id (24). After each the broker keeps serving the group."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))
from broker import Broker  # noqa: E402
from testing import check, main  # noqa: E402
import consumer_protocol as cp  # noqa: E402
import group_member as gm  # noqa: E402
from group_member import RawMember  # noqa: E402
import kafka_wire as kw  # noqa: E402

TOPIC = "bad"
COUNTS = {TOPIC: 4}


def broker(**overrides):
    return Broker(overrides={"num.partitions": 4, **overrides})


def create_topic(b):
    with kw.Connection(b.host_port) as conn:
        check(gm.partition_counts(conn, [TOPIC]) == COUNTS, "topic not created")


def stable_group(b, group, n, **kwargs):
    """n members that joined one after another and all went through the rebalances;
    returns them once every one is synced in the same generation."""
    members = []
    for _ in range(n):
        m = RawMember(b.host_port, group, [TOPIC], **kwargs)
        refused = m.join_until_accepted()
        check(refused is None, f"first JoinGroup answered {refused and refused['ErrorCode']}")
        m.send_join()
        for old in members:  # the old members learn of the rebalance and rejoin
            until_rebalancing(old)
            old.send_join()
        members.append(m)
        for x in members:
            answer = x.read_join()
            check(answer["ErrorCode"] == 0, f"JoinGroup: error {answer['ErrorCode']}")
        for x in sorted(members, key=lambda x: x.is_leader):  # followers first
            x.send_sync(COUNTS)
        for x in members:
            answer = x.read_sync()
            check(answer["ErrorCode"] == 0, f"SyncGroup: error {answer['ErrorCode']}")
    check(len({x.generation for x in members}) == 1, "members in different generations")
    return members


def until_rebalancing(member, timeout=10.0):
    """Heartbeats until the coordinator answers REBALANCE_IN_PROGRESS: the JoinGroup that
    starts the rebalance came on another connection and may not have arrived yet."""
    deadline = time.monotonic() + timeout
    while True:
        error = member.heartbeat()
        if error == gm.REBALANCE_IN_PROGRESS:
            return
        check(error == 0, f"Heartbeat before the rebalance: error {error}")
        check(time.monotonic() < deadline, "Heartbeat never answered REBALANCE_IN_PROGRESS")
        time.sleep(0.05)


def close_all(members):
    for m in members:
        m.close()


def still_serving(b, group):
    with kw.Connection(b.host_port) as conn:
        check(kw.api_versions(conn)[0] == 0, "ApiVersions after bad input")
        g = gm.describe_group(conn, group)
        check(g["ErrorCode"] == 0, f"DescribeGroups after bad input: {g['ErrorCode']}")
        return g


def test_stale_generation():
    with broker() as b:
        create_topic(b)
        a, = members = stable_group(b, "stale", 1)
        try:
            check(a.heartbeat(generation=a.generation + 1) == gm.ILLEGAL_GENERATION, "Heartbeat, future generation")
            check(a.heartbeat(generation=a.generation - 1) == gm.ILLEGAL_GENERATION, "Heartbeat, past generation")
            old = a.generation
            b2 = RawMember(b.host_port, "stale", [TOPIC])
            members.append(b2)
            b2.join_until_accepted()
            b2.send_join()
            until_rebalancing(a)
            a.send_join()
            check(a.read_join()["ErrorCode"] == 0 and b2.read_join()["ErrorCode"] == 0, "rejoin")
            check(a.generation == old + 1, f"generation {old} -> {a.generation}")
            check(a.heartbeat() == 0 and b2.heartbeat() == 0, "Heartbeat while completing the rebalance")
            errors = a.commit({(TOPIC, 0): 1})
            check(errors == {(TOPIC, 0): gm.REBALANCE_IN_PROGRESS},
                  f"OffsetCommit while completing the rebalance: {errors}")
            sync = a.call("SyncGroup", 5, dict(a.sync_request(COUNTS), GenerationId=old))
            check(sync["ErrorCode"] == gm.ILLEGAL_GENERATION, f"SyncGroup of the old generation: {sync['ErrorCode']}")
            for x in sorted((a, b2), key=lambda x: x.is_leader):
                x.send_sync(COUNTS)
            check(a.read_sync()["ErrorCode"] == 0 and b2.read_sync()["ErrorCode"] == 0, "SyncGroup")
            errors = a.commit({(TOPIC, 0): 1}, generation=old)
            check(errors == {(TOPIC, 0): gm.ILLEGAL_GENERATION}, f"OffsetCommit of the old generation: {errors}")
            check(a.heartbeat(generation=old) == gm.ILLEGAL_GENERATION, "Heartbeat of the old generation")
            check(a.commit({(TOPIC, 0): 1}) == {(TOPIC, 0): 0}, "OffsetCommit of the current generation")
            g = still_serving(b, "stale")
            check(g["GroupState"] == "Stable" and len(g["Members"]) == 2, f"group {g['GroupState']}")
        finally:
            close_all(members)


def test_unknown_member():
    with broker() as b:
        create_topic(b)
        members = stable_group(b, "unknown", 1)
        a = members[0]
        try:
            check(a.heartbeat(member_id="nobody") == gm.UNKNOWN_MEMBER_ID, "Heartbeat of an unknown member")
            sync = a.call("SyncGroup", 5, dict(a.sync_request(None), MemberId="nobody"))
            check(sync["ErrorCode"] == gm.UNKNOWN_MEMBER_ID, f"SyncGroup of an unknown member: {sync['ErrorCode']}")
            errors = a.commit({(TOPIC, 0): 1}, member_id="nobody")
            check(errors == {(TOPIC, 0): gm.UNKNOWN_MEMBER_ID}, f"OffsetCommit of an unknown member: {errors}")
            # OffsetCommit v9 of a member of a group that does not exist: GROUP_ID_NOT_FOUND.
            lost = RawMember(b.host_port, "no-such-group", [TOPIC])
            members.append(lost)
            errors = lost.commit({(TOPIC, 0): 1}, generation=1, member_id="nobody")
            check(errors == {(TOPIC, 0): gm.GROUP_ID_NOT_FOUND}, f"OffsetCommit v9 to a missing group: {errors}")
            stranger = RawMember(b.host_port, "unknown", [TOPIC])
            members.append(stranger)
            stranger.member_id = "made-up-member-id"
            join = stranger.join()
            check(join["ErrorCode"] == gm.UNKNOWN_MEMBER_ID, f"JoinGroup with a made-up id: {join['ErrorCode']}")
            leave = a.call("LeaveGroup", 5, {"GroupId": "unknown", "Members": [
                {"MemberId": "nobody", "GroupInstanceId": None, "Reason": "test"}]})
            check(leave["ErrorCode"] == 0 and [m["ErrorCode"] for m in leave["Members"]] == [gm.UNKNOWN_MEMBER_ID],
                  f"LeaveGroup of an unknown member: {leave}")
            g = still_serving(b, "unknown")
            check(g["GroupState"] == "Stable" and [m["MemberId"] for m in g["Members"]] == [a.member_id],
                  f"the group changed: {g['GroupState']}, {g['Members']}")
            check(a.heartbeat() == 0, "the real member's Heartbeat")
        finally:
            close_all(members)


def test_heartbeat_to_a_missing_group():
    with broker() as b:
        with RawMember(b.host_port, "never-created", [TOPIC]) as m:
            m.member_id, m.generation = "someone", 1
            check(m.heartbeat() == gm.UNKNOWN_MEMBER_ID, "Heartbeat to a missing group")
            error, member_error = m.leave()
            check(error == 0 and member_error == gm.UNKNOWN_MEMBER_ID, f"LeaveGroup of a missing group: {error}, "
                                                                     f"{member_error}")
            g = still_serving(b, "never-created")
            check(g["GroupState"] == "Dead", f"a heartbeat created the group: {g['GroupState']}")


def test_inconsistent_protocols():
    with broker() as b:
        create_topic(b)
        members = stable_group(b, "protocols", 1)
        try:
            other = RawMember(b.host_port, "protocols", [TOPIC],
                              protocols=[("roundrobin", cp.subscription([TOPIC]))])
            members.append(other)
            answer = other.join()
            check(answer["ErrorCode"] == gm.INCONSISTENT_GROUP_PROTOCOL, f"no common protocol: {answer['ErrorCode']}")
            connect = RawMember(b.host_port, "protocols", [TOPIC], protocol_type="connect")
            members.append(connect)
            answer = connect.join()
            check(answer["ErrorCode"] == gm.INCONSISTENT_GROUP_PROTOCOL, f"another protocol type: {answer['ErrorCode']}")
            empty = RawMember(b.host_port, "protocols-empty", [TOPIC], protocols=[])
            members.append(empty)
            answer = empty.join()
            check(answer["ErrorCode"] == gm.INCONSISTENT_GROUP_PROTOCOL, f"no protocols at all: {answer['ErrorCode']}")
            g = still_serving(b, "protocols")
            check(g["GroupState"] == "Stable" and len(g["Members"]) == 1, f"group {g['GroupState']}, {g['Members']}")
            check(members[0].heartbeat() == 0, "the first member's Heartbeat")
        finally:
            close_all(members)


def test_session_timeout_outside_bounds():
    # Kafka's defaults: group.min.session.timeout.ms=6000, group.max.session.timeout.ms=1800000.
    with broker() as b:
        create_topic(b)
        for timeout in (5999, 0, 1800001):
            with RawMember(b.host_port, "sessions", [TOPIC], session_timeout_ms=timeout) as m:
                answer = m.join()
                check(answer["ErrorCode"] == gm.INVALID_SESSION_TIMEOUT, f"session timeout {timeout}: "
                                                                         f"{answer['ErrorCode']}")
        for timeout in (6000, 1800000):
            with RawMember(b.host_port, f"sessions-{timeout}", [TOPIC], session_timeout_ms=timeout) as m:
                m.join_until_accepted()
                answer = m.join()
                check(answer["ErrorCode"] == 0, f"session timeout {timeout}: {answer['ErrorCode']}")
                m.leave()
    with broker(**{"group.min.session.timeout.ms": 10000}) as b:
        create_topic(b)
        with RawMember(b.host_port, "sessions", [TOPIC], session_timeout_ms=9000) as m:
            check(m.join()["ErrorCode"] == gm.INVALID_SESSION_TIMEOUT, "below a configured minimum")


def test_full_group():
    with broker(**{"group.max.size": 2}) as b:
        create_topic(b)
        members = stable_group(b, "full", 2)
        try:
            third = RawMember(b.host_port, "full", [TOPIC])
            members.append(third)
            answer = third.join()
            check(answer["ErrorCode"] == gm.GROUP_MAX_SIZE_REACHED, f"third member: {answer['ErrorCode']}")
            g = still_serving(b, "full")
            check(g["GroupState"] == "Stable" and len(g["Members"]) == 2, f"group {g['GroupState']}, {g['Members']}")
            check(all(m.heartbeat() == 0 for m in members[:2]), "the two members' Heartbeats")
            members[0].leave()
            check(third.join()["ErrorCode"] in (0, gm.MEMBER_ID_REQUIRED), "a member may join once there is room")
        finally:
            close_all(members)


def test_delete_non_empty_group():
    with broker() as b:
        create_topic(b)
        members = stable_group(b, "busy", 1)
        try:
            idle = RawMember(b.host_port, "idle", [TOPIC])
            members.append(idle)
            check(idle.commit({(TOPIC, 0): 3}, generation=-1, member_id="") == {(TOPIC, 0): 0}, "simple commit")
            with kw.Connection(b.host_port) as conn:
                results = gm.delete_groups(conn, ["busy", "idle", "missing"])
                check(results == {"busy": gm.NON_EMPTY_GROUP, "idle": 0, "missing": gm.GROUP_ID_NOT_FOUND},
                      f"DeleteGroups: {results}")
                check(gm.committed_offsets(conn, "idle") == (0, {}), "offsets of the deleted group")
            g = still_serving(b, "busy")
            check(g["GroupState"] == "Stable" and len(g["Members"]) == 1, f"group {g['GroupState']}")
            check(members[0].heartbeat() == 0, "the member's Heartbeat after the refused delete")
        finally:
            close_all(members)


def test_empty_group_id():
    with broker() as b:
        create_topic(b)
        with RawMember(b.host_port, "", [TOPIC]) as m:
            check(m.join()["ErrorCode"] == gm.INVALID_GROUP_ID, "JoinGroup with an empty group id")
            m.member_id, m.generation, m.protocol_name = "someone", 1, "range"
            check(m.heartbeat() == gm.INVALID_GROUP_ID, "Heartbeat with an empty group id")
            check(m.sync()["ErrorCode"] == gm.INVALID_GROUP_ID, "SyncGroup with an empty group id")
            check(m.leave()[0] == gm.INVALID_GROUP_ID, "LeaveGroup with an empty group id")
        still_serving(b, "x")


def test_member_metadata_is_opaque():
    # A classic group stores each member's protocol metadata as bytes and hands it to the
    # leader as it came; bytes that do not parse as a subscription are no reason to fail.
    with broker() as b:
        create_topic(b)
        junk = b"\x00\x00" + b"\x00\x00\x00\x01" + b"\x00\x64" + b"cut short"  # v0, 1 topic, 100-byte name
        with RawMember(b.host_port, "opaque", [TOPIC], protocols=[("range", junk)]) as m:
            m.join_until_accepted()
            answer = m.join()
            check(answer["ErrorCode"] == 0, f"JoinGroup with opaque metadata: {answer['ErrorCode']}")
            check([x["Metadata"] for x in answer["Members"]] == [junk], "metadata not handed back as sent")
            check(m.sync(None)["ErrorCode"] == 0, "SyncGroup with no assignments")
            g = still_serving(b, "opaque")
            check(g["Members"][0]["MemberMetadata"] == junk and g["Members"][0]["MemberAssignment"] == b"",
                  "DescribeGroups does not show the metadata as sent")


if __name__ == "__main__":
    sys.exit(main(test_stale_generation, test_unknown_member, test_heartbeat_to_a_missing_group,
                  test_inconsistent_protocols, test_session_timeout_outside_bounds, test_full_group,
                  test_delete_non_empty_group, test_empty_group_id, test_member_metadata_is_opaque))
