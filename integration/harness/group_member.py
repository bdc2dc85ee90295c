"""A classic consumer-group member over raw requests, at the Java 3.9 client's versions
(JoinGroup v9, SyncGroup v5, Heartbeat v4, LeaveGroup v5, OffsetCommit v9,
OffsetFetch v9). It owns one connection to the coordinator. JoinGroup is split in a
send and a read half, so one thread can have several members join at once:

    a, b = RawMember(hp, "g", ["t"]), RawMember(hp, "g", ["t"])
    for m in (a, b): m.join_until_accepted()     # 79 MEMBER_ID_REQUIRED, then the id
    for m in (a, b): m.send_join()
    for m in (a, b): m.read_join()               # answered once both joined
    for m in (a, b): m.send_sync({"t": 6})
    for m in (a, b): m.read_sync()               # range-assigned partitions
"""
import time

import consumer_protocol as cp
from kafka_wire import Connection

NONE, ILLEGAL_GENERATION, INCONSISTENT_GROUP_PROTOCOL, INVALID_GROUP_ID = 0, 22, 23, 24
UNKNOWN_MEMBER_ID, INVALID_SESSION_TIMEOUT, REBALANCE_IN_PROGRESS = 25, 26, 27
NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND, MEMBER_ID_REQUIRED, GROUP_MAX_SIZE_REACHED = 68, 69, 79, 81
GROUP_SUBSCRIBED_TO_TOPIC = 86


def find_coordinator(conn, group):
    """FindCoordinator v6 for one group: the (error, node id, host, port) it answers."""
    answer = conn.call("FindCoordinator", 6, {"KeyType": 0, "CoordinatorKeys": [group]})
    c = answer["Coordinators"][0]
    return c["ErrorCode"], c["NodeId"], c["Host"], c["Port"]


def partition_counts(conn, topics, timeout=10.0):
    """{topic: partitions} from Metadata v12, auto-creating as a consumer's Metadata does.
    A topic just created is answered LEADER_NOT_AVAILABLE (5) at first: asked again."""
    deadline = time.monotonic() + timeout
    while True:
        md = conn.call("Metadata", 12, {"Topics": [{"Name": t} for t in topics],
                                        "AllowAutoTopicCreation": True})
        counts = {t["Name"]: len(t["Partitions"]) for t in md["Topics"] if t["ErrorCode"] == 0}
        if len(counts) == len(topics) or time.monotonic() > deadline:
            return counts
        time.sleep(0.05)


class RawMember:
    def __init__(self, host_port, group, topics, session_timeout_ms=10000,
                 rebalance_timeout_ms=30000, instance_id=None, client_id="raw-member",
                 protocols=None, protocol_type="consumer", timeout=60.0):
        self.conn = Connection(host_port, timeout=timeout)
        self.group, self.topics = group, list(topics)
        self.session_timeout_ms, self.rebalance_timeout_ms = session_timeout_ms, rebalance_timeout_ms
        self.instance_id, self.client_id, self.protocol_type = instance_id, client_id, protocol_type
        self.protocols = protocols  # [(name, metadata)]; default: range over `topics`
        self.member_id, self.generation, self.leader = "", -1, ""
        self.protocol_name, self.members, self.assignment = None, [], {}
        self._pending = None

    def close(self):
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def call(self, api, version, values, timeout=None):
        return self.conn.call(api, version, values, timeout, client_id=self.client_id)

    # ------------------------------------------------------------ join / sync
    def join_request(self, reason=""):
        protocols = self.protocols if self.protocols is not None else [("range", cp.subscription(
            self.topics, generation=self.generation))]  # range is eager: owns nothing
        return {"GroupId": self.group, "SessionTimeoutMs": self.session_timeout_ms,
                "RebalanceTimeoutMs": self.rebalance_timeout_ms, "MemberId": self.member_id,
                "GroupInstanceId": self.instance_id, "ProtocolType": self.protocol_type,
                "Protocols": [{"Name": n, "Metadata": m} for n, m in protocols], "Reason": reason}

    def send_join(self, reason=""):
        self._pending = self.conn.send_call("JoinGroup", 9, self.join_request(reason), self.client_id)

    def read_join(self, timeout=None):
        """The JoinGroup answer; on success the member's id, generation and leader are kept."""
        answer = self.conn.read_call("JoinGroup", 9, self._pending, timeout)
        self._pending = None
        if answer["ErrorCode"] in (NONE, MEMBER_ID_REQUIRED) and answer["MemberId"]:
            self.member_id = answer["MemberId"]
        if answer["ErrorCode"] == NONE:
            self.generation, self.leader = answer["GenerationId"], answer["Leader"]
            self.protocol_name, self.members = answer["ProtocolName"], answer["Members"]
        return answer

    def join(self, timeout=None):
        self.send_join()
        return self.read_join(timeout)

    def join_until_accepted(self):
        """The first JoinGroup of a new dynamic member: Kafka answers 79 with an id
        (an error answer is returned as is). Static members skip this step."""
        if self.member_id or self.instance_id:
            return None
        answer = self.join()
        if answer["ErrorCode"] != MEMBER_ID_REQUIRED:
            return answer
        return None

    @property
    def is_leader(self):
        return self.member_id == self.leader

    def sync_request(self, partition_counts):
        assignments = []
        if self.is_leader and partition_counts is not None:
            subs = {m["MemberId"]: cp.parse_subscription(m["Metadata"])["Topics"]
                    for m in self.members}
            plan = cp.range_assign(subs, partition_counts)
            assignments = [{"MemberId": m, "Assignment": cp.assignment(plan[m])} for m in sorted(plan)]
        return {"GroupId": self.group, "GenerationId": self.generation, "MemberId": self.member_id,
                "GroupInstanceId": self.instance_id, "ProtocolType": self.protocol_type,
                "ProtocolName": self.protocol_name, "Assignments": assignments}

    def send_sync(self, partition_counts=None):
        """The leader assigns with the range assignor from `partition_counts`
        ({topic: n}); followers send no assignments."""
        self._pending = self.conn.send_call("SyncGroup", 5, self.sync_request(partition_counts),
                                            self.client_id)

    def read_sync(self, timeout=None):
        answer = self.conn.read_call("SyncGroup", 5, self._pending, timeout)
        self._pending = None
        if answer["ErrorCode"] == NONE:
            self.assignment = cp.parse_assignment(answer["Assignment"])
        return answer

    def sync(self, partition_counts=None, timeout=None):
        self.send_sync(partition_counts)
        return self.read_sync(timeout)

    # ------------------------------------------------------------ steady state
    def heartbeat_request(self, generation=None, member_id=None):
        return {"GroupId": self.group, "MemberId": self.member_id if member_id is None else member_id,
                "GenerationId": self.generation if generation is None else generation,
                "GroupInstanceId": self.instance_id}

    def heartbeat(self, generation=None, member_id=None):
        return self.call("Heartbeat", 4, self.heartbeat_request(generation, member_id))["ErrorCode"]

    def send_heartbeat(self):
        self._pending = self.conn.send_call("Heartbeat", 4, self.heartbeat_request(), self.client_id)

    def read_heartbeat(self, timeout=None):
        answer = self.conn.read_call("Heartbeat", 4, self._pending, timeout)
        self._pending = None
        return answer["ErrorCode"]

    def commit(self, offsets, generation=None, member_id=None, leader_epoch=-1):
        """OffsetCommit v9 of {(topic, partition): offset}; returns {(topic, partition): error}."""
        by_topic = {}
        for (t, p), o in sorted(offsets.items()):
            by_topic.setdefault(t, []).append({"PartitionIndex": p, "CommittedOffset": o,
                                              "CommittedLeaderEpoch": leader_epoch,
                                              "CommittedMetadata": ""})
        answer = self.call("OffsetCommit", 9, {
            "GroupId": self.group,
            "GenerationIdOrMemberEpoch": self.generation if generation is None else generation,
            "MemberId": self.member_id if member_id is None else member_id,
            "GroupInstanceId": self.instance_id,
            "Topics": [{"Name": t, "Partitions": ps} for t, ps in by_topic.items()]})
        return {(t["Name"], p["PartitionIndex"]): p["ErrorCode"]
                for t in answer["Topics"] for p in t["Partitions"]}

    def leave(self, reason="the consumer is being closed"):
        """LeaveGroup v5 of this member: (top-level error, per-member error)."""
        answer = self.call("LeaveGroup", 5, {"GroupId": self.group, "Members": [
            {"MemberId": self.member_id, "GroupInstanceId": self.instance_id, "Reason": reason}]})
        members = answer["Members"]
        return answer["ErrorCode"], (members[0]["ErrorCode"] if members else None)


def committed_offsets(conn, group, partitions=None, require_stable=False):
    """OffsetFetch v9 for one group. partitions None = every committed one (as the admin
    tool asks). Returns (group error, {(topic, partition): (offset, leader epoch, error)})."""
    topics = None
    if partitions is not None:
        by_topic = {}
        for t, p in partitions:
            by_topic.setdefault(t, []).append(p)
        topics = [{"Name": t, "PartitionIndexes": ps} for t, ps in by_topic.items()]
    answer = conn.call("OffsetFetch", 9, {"Groups": [{"GroupId": group, "MemberId": None,
                                                      "MemberEpoch": -1, "Topics": topics}],
                                          "RequireStable": require_stable})
    g = answer["Groups"][0]
    return g["ErrorCode"], {(t["Name"], p["PartitionIndex"]): (p["CommittedOffset"],
                                                             p["CommittedLeaderEpoch"], p["ErrorCode"])
                            for t in g["Topics"] for p in t["Partitions"]}


def describe_group(conn, group):
    """DescribeGroups v5 of one group, with each member's assignment decoded."""
    g = conn.call("DescribeGroups", 5, {"Groups": [group]})["Groups"][0]
    for m in g["Members"]:
        m["Partitions"] = cp.parse_assignment(m["MemberAssignment"])
    return g


def list_groups(conn, states=(), types=()):
    """ListGroups v5: {group id: (protocol type, state, type)}."""
    answer = conn.call("ListGroups", 5, {"StatesFilter": list(states), "TypesFilter": list(types)})
    if answer["ErrorCode"]:
        raise ValueError(f"ListGroups error {answer['ErrorCode']}")
    return {g["GroupId"]: (g["ProtocolType"], g["GroupState"], g["GroupType"])
            for g in answer["Groups"]}


def delete_groups(conn, groups):
    """DeleteGroups v2: {group id: error}."""
    answer = conn.call("DeleteGroups", 2, {"GroupsNames": list(groups)})
    return {r["GroupId"]: r["ErrorCode"] for r in answer["Results"]}
