"""What Kafka 3.9's kafka-console-consumer and kafka-consumer-groups send, replayed from
the requests captured from them (integration/java_golden/). A request whose fields all
fit is sent as captured (only the correlation id is ours); otherwise the captured
request is decoded, the fields that must differ (a member id the broker handed out,
the generation, offsets) are changed, and it is encoded again. Connections follow the
Java client: bootstrap, partition leader and group coordinator each get their own."""
import copy
import os
import uuid

import consumer_protocol as cp
import kafka_schema
import kafka_wire as kw

GOLDEN_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          "java_golden")
MEMBER_ID_REQUIRED = 79


class Golden:
    """One captured request: raw bytes, API name, version, client id and decoded body."""

    def __init__(self, name):
        with open(os.path.join(GOLDEN_DIR, name + ".hex")) as f:
            self.raw = bytes.fromhex(f.read().strip())
        message, version = name.rsplit("_v", 1)
        self.api, self.version = message[:-len("Request")], int(version)
        buf = kw.Buf(self.raw)
        buf.take(8)  # api key, version, correlation id
        self.client_id = buf.string()
        if kafka_schema.is_flexible(message, self.version):
            kafka_schema.skip_tagged_fields(buf)
        self.header_length = buf.pos
        self.body = kafka_schema.decode(message, self.version, buf)

    def reencoded(self):
        return self.raw[:self.header_length] + kafka_schema.encode(
            self.api + "Request", self.version, self.body)


def send(conn, name, edit=None, timeout=None):
    """Replay a captured request; `edit(body)` changes the decoded body before it is
    encoded again (without it the captured bytes go out as they are)."""
    g = Golden(name)
    if edit is None:
        return conn.replay(g.raw, timeout)
    body = copy.deepcopy(g.body)
    edit(body)
    return conn.call(g.api, g.version, body, timeout, client_id=g.client_id)


def connect(host_port):
    """A new connection, opened as the Java client opens every one: ApiVersions v4."""
    conn = kw.Connection(host_port, timeout=30.0)
    answer = send(conn, "ApiVersionsRequest_v4")
    if answer["ErrorCode"] != 0:
        raise AssertionError(f"ApiVersions v4: error {answer['ErrorCode']}")
    return conn


def metadata(conn, topics, auto_create=True):
    """Metadata v12 as a consumer sends it: {name: (topic id, [partitions], error)}."""
    answer = conn.call("Metadata", 12, {
        "Topics": [{"TopicId": uuid.UUID(int=0), "Name": t} for t in topics],
        "AllowAutoTopicCreation": auto_create, "IncludeTopicAuthorizedOperations": False},
        client_id="console-consumer")
    return {t["Name"]: (t["TopicId"], sorted(p["PartitionIndex"] for p in t["Partitions"]),
                        t["ErrorCode"]) for t in answer["Topics"]}


class ConsoleConsumer:
    """kafka-console-consumer --topic <topic> [--group <group>], request by request."""

    def __init__(self, host_port, group, topic="t"):
        self.group, self.topic = group, topic
        self.bootstrap = connect(host_port)
        info = metadata(self.bootstrap, [topic])[topic]
        self.topic_id, self.partitions = info[0], info[1]
        self.leader = connect(host_port)
        answer = send(self.bootstrap, "FindCoordinatorRequest_v6",
                      lambda b: b.update(CoordinatorKeys=[group]))
        c = answer["Coordinators"][0]
        if c["ErrorCode"] != 0:
            raise AssertionError(f"FindCoordinator: error {c['ErrorCode']}")
        self.coordinator_address = (c["Host"], c["Port"])
        self.coordinator = connect(self.coordinator_address)
        self.member_id, self.generation, self.assignment = "", -1, []
        self.join_answer = None

    def close(self):
        for conn in (self.bootstrap, self.leader, self.coordinator):
            conn.close()

    def send_join(self, reason=""):
        def edit(b):
            b.update(GroupId=self.group, MemberId=self.member_id, Reason=reason)
            for p in b["Protocols"]:
                sub = cp.parse_subscription(p["Metadata"])
                p["Metadata"] = cp.subscription([self.topic], generation=self.generation,
                                                user_data=sub["UserData"])
        g = Golden("JoinGroupRequest_v9")
        body = copy.deepcopy(g.body)
        edit(body)
        return self.coordinator.send_call("JoinGroup", 9, body, g.client_id)

    def read_join(self, correlation):
        answer = self.coordinator.read_call("JoinGroup", 9, correlation)
        if answer["ErrorCode"] == 0:
            self.member_id, self.generation = answer["MemberId"], answer["GenerationId"]
            self.join_answer = answer
        return answer

    def join(self, reason=""):
        """JoinGroup until accepted: the first try is answered 79 with our member id."""
        if not self.member_id:
            answer = self.read_join(self.send_join(reason))
            if answer["ErrorCode"] != MEMBER_ID_REQUIRED:
                return answer
            self.member_id = answer["MemberId"]
            reason = f"need to re-join with the given member-id: {self.member_id}"
        return self.read_join(self.send_join(reason))

    def assignments(self):
        """The leader's range assignment over the members JoinGroup gave it."""
        subs = {m["MemberId"]: cp.parse_subscription(m["Metadata"])["Topics"]
                for m in self.join_answer["Members"]}
        plan = cp.range_assign(subs, {self.topic: len(self.partitions)})
        return [{"MemberId": m, "Assignment": cp.assignment(plan[m])} for m in sorted(plan)]

    def send_sync(self):
        assignments = self.assignments() if self.join_answer["Leader"] == self.member_id else []
        g = Golden("SyncGroupRequest_v5")
        body = copy.deepcopy(g.body)
        body.update(GroupId=self.group, GenerationId=self.generation, MemberId=self.member_id,
                    Assignments=assignments)
        return self.coordinator.send_call("SyncGroup", 5, body, g.client_id)

    def read_sync(self, correlation):
        answer = self.coordinator.read_call("SyncGroup", 5, correlation)
        if answer["ErrorCode"] == 0:
            self.assignment = cp.parse_assignment(answer["Assignment"]).get(self.topic, [])
        return answer

    def sync(self):
        return self.read_sync(self.send_sync())

    def committed(self, require_stable=True):
        """OffsetFetch v9 of the assigned partitions: {partition: (offset, epoch, error)}."""
        answer = send(self.coordinator, "OffsetFetchRequest_v9", lambda b: b.update(
            Groups=[dict(b["Groups"][0], GroupId=self.group, Topics=[
                {"Name": self.topic, "PartitionIndexes": sorted(self.assignment, reverse=True)}])],
            RequireStable=require_stable))
        g = answer["Groups"][0]
        if g["ErrorCode"] != 0:
            raise AssertionError(f"OffsetFetch: group error {g['ErrorCode']}")
        return {p["PartitionIndex"]: (p["CommittedOffset"], p["CommittedLeaderEpoch"], p["ErrorCode"])
                for t in g["Topics"] for p in t["Partitions"]}

    def earliest(self):
        answer = send(self.leader, "ListOffsetsRequest_v9", lambda b: b.update(Topics=[
            {"Name": self.topic, "Partitions": [
                {"PartitionIndex": p, "CurrentLeaderEpoch": 0, "Timestamp": -2}
                for p in sorted(self.assignment, reverse=True)]}]))
        return {p["PartitionIndex"]: p["Offset"] for t in answer["Topics"] for p in t["Partitions"]}

    def fetch(self, positions, session_epoch=0):
        """Fetch v17 by topic id from {partition: offset}: {partition: (error, hwm, records)}
        with each record as (offset, value, batch leader epoch)."""
        def edit(b):
            template = b["Topics"][0]["Partitions"][0]
            b.update(SessionEpoch=session_epoch, Topics=[{"TopicId": self.topic_id, "Partitions": [
                dict(template, Partition=p, FetchOffset=o) for p, o in sorted(positions.items())]}]
                if positions else [])
        answer = send(self.leader, "FetchRequest_v17", edit)
        out = {}
        for t in answer["Responses"]:
            if t["TopicId"] != self.topic_id:
                raise AssertionError(f"Fetch answered topic id {t['TopicId']}")
            for p in t["Partitions"]:
                records = [(r["offset"], r["value"], batch["leader_epoch"])
                           for batch in kw.parse_batches(p["Records"] or b"")
                           for r in batch["records"] if r["offset"] >= positions[p["PartitionIndex"]]]
                out[p["PartitionIndex"]] = (p["ErrorCode"], p["HighWatermark"], records)
        return out

    def heartbeat(self):
        return send(self.coordinator, "HeartbeatRequest_v4", lambda b: b.update(
            GroupId=self.group, GenerationId=self.generation, MemberId=self.member_id))["ErrorCode"]

    def commit(self, offsets, epochs=None):
        """OffsetCommit v9 of {partition: offset} with the generation and member id
        (an admin's reset sends generation -1 and member "": see admin_commit)."""
        epochs = epochs or {}
        answer = send(self.coordinator, "OffsetCommitRequest_v9", lambda b: b.update(
            GroupId=self.group, GenerationIdOrMemberEpoch=self.generation, MemberId=self.member_id,
            Topics=[{"Name": self.topic, "Partitions": [
                {"PartitionIndex": p, "CommittedOffset": o, "CommittedLeaderEpoch": epochs.get(p, -1),
                 "CommittedMetadata": ""} for p, o in sorted(offsets.items(), reverse=True)]}]))
        return {p["PartitionIndex"]: p["ErrorCode"] for t in answer["Topics"] for p in t["Partitions"]}

    def leave(self):
        answer = send(self.coordinator, "LeaveGroupRequest_v5", lambda b: b.update(
            GroupId=self.group, Members=[dict(b["Members"][0], MemberId=self.member_id)]))
        return answer["ErrorCode"], [m["ErrorCode"] for m in answer["Members"]]

    def close_fetch_session(self):
        """The Fetch every Java consumer sends at close: session epoch -1, no topics."""
        return self.fetch({}, session_epoch=-1)


def admin_commit(conn, group, topic, offsets):
    """OffsetCommit v9 as kafka-consumer-groups --reset-offsets sends it: generation -1,
    member "", leader epoch -1. Returns {partition: error}."""
    answer = send(conn, "OffsetCommitRequest_v9", lambda b: b.update(
        GroupId=group, GenerationIdOrMemberEpoch=-1, MemberId="", Topics=[{"Name": topic, "Partitions": [
            {"PartitionIndex": p, "CommittedOffset": o, "CommittedLeaderEpoch": -1, "CommittedMetadata": ""}
            for p, o in sorted(offsets.items(), reverse=True)]}]))
    return {p["PartitionIndex"]: p["ErrorCode"] for t in answer["Topics"] for p in t["Partitions"]}


def list_offsets(conn, topic, partitions, timestamp):
    """ListOffsets v9 as kafka-consumer-groups sends it (CurrentLeaderEpoch -1)."""
    answer = send(conn, "ListOffsetsRequest_v9", lambda b: b.update(Topics=[
        {"Name": topic, "Partitions": [{"PartitionIndex": p, "CurrentLeaderEpoch": -1,
                                        "Timestamp": timestamp} for p in partitions]}]))
    return {p["PartitionIndex"]: (p["ErrorCode"], p["Offset"]) for t in answer["Topics"]
            for p in t["Partitions"]}


def admin_offsets(conn, group):
    """OffsetFetch v9 as the admin sends it (Topics null = all, RequireStable false):
    (group error, {(topic, partition): offset})."""
    answer = send(conn, "OffsetFetchRequest_v9", lambda b: b.update(
        Groups=[dict(b["Groups"][0], GroupId=group, Topics=None)], RequireStable=False))
    g = answer["Groups"][0]
    return g["ErrorCode"], {(t["Name"], p["PartitionIndex"]): p["CommittedOffset"]
                            for t in g["Topics"] for p in t["Partitions"] if p["ErrorCode"] == 0}
