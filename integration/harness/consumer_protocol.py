"""The "consumer" embedded protocol: what a Java consumer puts in JoinGroup's protocol
metadata (ConsumerProtocolSubscription) and in SyncGroup's assignments
(ConsumerProtocolAssignment), each an int16 version followed by the struct; and the
range assignor, as the Java client computes it."""
import struct

import kafka_schema
from kafka_wire import Buf

SUBSCRIPTION = kafka_schema.data_message({
    "name": "ConsumerProtocolSubscription", "validVersions": "0-3", "flexibleVersions": "none",
    "fields": [
        {"name": "Topics", "type": "[]string", "versions": "0+"},
        {"name": "UserData", "type": "bytes", "versions": "0+", "nullableVersions": "0+",
         "default": "null"},
        {"name": "OwnedPartitions", "type": "[]TopicPartition", "versions": "1+", "fields": [
            {"name": "Topic", "type": "string", "versions": "1+"},
            {"name": "Partitions", "type": "[]int32", "versions": "1+"}]},
        {"name": "GenerationId", "type": "int32", "versions": "2+", "default": "-1"},
        {"name": "RackId", "type": "string", "versions": "3+", "nullableVersions": "3+",
         "default": "null"}]})

ASSIGNMENT = kafka_schema.data_message({
    "name": "ConsumerProtocolAssignment", "validVersions": "0-3", "flexibleVersions": "none",
    "fields": [
        {"name": "AssignedPartitions", "type": "[]TopicPartition", "versions": "0+", "fields": [
            {"name": "Topic", "type": "string", "versions": "0+"},
            {"name": "Partitions", "type": "[]int32", "versions": "0+"}]},
        {"name": "UserData", "type": "bytes", "versions": "0+", "nullableVersions": "0+",
         "default": "null"}]})


def _versioned(schema, version, values):
    return struct.pack(">h", version) + kafka_schema.encode(schema, version, values)


def _unversioned(schema, data):
    buf = Buf(data)
    version = buf.i16()
    # A newer version than we know is read as our newest: Kafka only appends fields.
    return kafka_schema.decode(schema, min(version, 3), buf, exact=version <= 3)


def subscription(topics, owned=None, generation=-1, user_data=None, version=3):
    """Protocol metadata as Java 3.9 sends it (v3: owned partitions, generation, no rack)."""
    owned = owned or {}
    return _versioned(SUBSCRIPTION, version, {
        "Topics": list(topics), "UserData": user_data, "GenerationId": generation,
        "OwnedPartitions": [{"Topic": t, "Partitions": sorted(p)} for t, p in sorted(owned.items())]})


def parse_subscription(data):
    return _unversioned(SUBSCRIPTION, data)


def assignment(partitions_by_topic, version=3):
    """{topic: [partitions]} as a SyncGroup assignment."""
    return _versioned(ASSIGNMENT, version, {"AssignedPartitions": [
        {"Topic": t, "Partitions": sorted(p)} for t, p in sorted(partitions_by_topic.items())]})


def parse_assignment(data):
    """{topic: [partitions]} from a SyncGroup/DescribeGroups assignment (empty bytes: {})."""
    if not data:
        return {}
    parsed = _unversioned(ASSIGNMENT, data)
    return {a["Topic"]: sorted(a["Partitions"]) for a in parsed["AssignedPartitions"]}


def range_assign(subscriptions, partition_counts):
    """Java's RangeAssignor: per topic, members (sorted by id) take consecutive ranges,
    the first n % m members one partition more. subscriptions: {member: [topics]}."""
    out = {m: {} for m in subscriptions}
    for topic, count in sorted(partition_counts.items()):
        members = sorted(m for m, topics in subscriptions.items() if topic in topics)
        if not members:
            continue
        per, extra = divmod(count, len(members))
        start = 0
        for i, m in enumerate(members):
            n = per + (1 if i < extra else 0)
            if n:
                out[m][topic] = list(range(start, start + n))
            start += n
    return out
