#!/usr/bin/python3
"""Topic and broker configs have real effects, at once and after a restart, and bad
admin input gets Kafka's errors. Raw protocol at the Java client's versions."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))
from broker import Broker, DataDir  # noqa: E402
from testing import check, main, wait_until  # noqa: E402
import kafka_wire as kw  # noqa: E402

TOPIC, BROKER = 2, 4
SET, DELETE = 0, 1
INVALID_CONFIG, INVALID_REQUEST, INVALID_TOPIC, INVALID_PARTITIONS = 40, 42, 17, 37


def now_ms():
    return int(time.time() * 1000)


def create_topic(conn, name, partitions=1, configs=None):
    resp = conn.call("CreateTopics", 7, {"Topics": [{
        "Name": name, "NumPartitions": partitions, "ReplicationFactor": 1,
        "Configs": [{"Name": k, "Value": v} for k, v in (configs or {}).items()]}], "timeoutMs": 30000})
    return resp["Topics"][0]


def alter(conn, resource_type, name, changes, validate_only=False):
    """IncrementalAlterConfigs v1; changes: [(op, key, value)]. Returns (error, message)."""
    resp = conn.call("IncrementalAlterConfigs", 1, {"Resources": [{
        "ResourceType": resource_type, "ResourceName": name,
        "Configs": [{"Name": k, "ConfigOperation": op, "Value": v} for op, k, v in changes]}],
        "ValidateOnly": validate_only})
    r = resp["Responses"][0]
    return r["ErrorCode"], r["ErrorMessage"]


def set_topic(conn, name, **configs):
    err, msg = alter(conn, TOPIC, name, [(SET, k.replace("_", "."), v) for k, v in configs.items()])
    check(err == 0, f"alter {name} {configs}: {err} {msg}")


def topic_configs(conn, name):
    result = conn.call("DescribeConfigs", 4, {"Resources": [{"ResourceType": TOPIC, "ResourceName": name}],
                                              "IncludeSynonyms": True})["Results"][0]
    check(result["ErrorCode"] == 0, f"describe {name}: {result['ErrorCode']}")
    return {c["Name"]: c for c in result["Configs"]}


def produce(conn, topic, values, timestamp=None, acks=-1):
    return kw.produce(conn, topic, 0, kw.record_batch(values, now_ms() if timestamp is None else timestamp), acks)


def earliest(conn, topic):
    return kw.list_offsets(conn, topic, 0, -2)[2]


def segment_files(broker, topic):
    return sorted(f for f in os.listdir(os.path.join(broker.data_dir, f"{topic}-0")) if f.endswith(".log"))


def test_lowered_retention_deletes_old_segments():
    with Broker(overrides={"log.retention.check.interval.ms": "300"}) as broker, \
            kw.Connection(broker.host_port) as conn:
        check(create_topic(conn, "aging", configs={"segment.bytes": "300"})["ErrorCode"] == 0, "create")
        for i in range(12):
            check(produce(conn, "aging", [b"x" * 100])[0] == 0, "produce")
        check(len(segment_files(broker, "aging")) >= 4, f"segments {segment_files(broker, 'aging')}")
        time.sleep(1)
        check(earliest(conn, "aging") == 0, "nothing expired under the default retention")
        set_topic(conn, "aging", retention_ms="100")
        wait_until(lambda: earliest(conn, "aging") > 0, 10, what="retention to move the log start")
        check(len(segment_files(broker, "aging")) < 4, f"segments left {segment_files(broker, 'aging')}")


def test_new_segment_bytes_applies_on_the_next_roll():
    with Broker() as broker, kw.Connection(broker.host_port) as conn:
        check(create_topic(conn, "rolling")["ErrorCode"] == 0, "create")
        for _ in range(3):
            produce(conn, "rolling", [b"y" * 100])
        check(len(segment_files(broker, "rolling")) == 1, "one segment under 1 GiB segments")
        set_topic(conn, "rolling", segment_bytes="300")
        for _ in range(6):
            produce(conn, "rolling", [b"y" * 100])
        check(len(segment_files(broker, "rolling")) >= 3, f"segments {segment_files(broker, 'rolling')}")


def test_lowered_max_message_bytes_rejects_larger_batches():
    with Broker() as broker, kw.Connection(broker.host_port) as conn:
        check(create_topic(conn, "small")["ErrorCode"] == 0, "create")
        check(produce(conn, "small", [b"z" * 500])[0] == 0, "500 bytes under the default limit")
        set_topic(conn, "small", max_message_bytes="200")
        check(produce(conn, "small", [b"z" * 500])[0] == 10, "MESSAGE_TOO_LARGE above max.message.bytes")
        check(produce(conn, "small", [b"z" * 10])[0] == 0, "a small batch still fits")
        check(alter(conn, TOPIC, "small", [(DELETE, "max.message.bytes", "")])[0] == 0, "delete-config")
        check(produce(conn, "small", [b"z" * 500])[0] == 0, "back to the broker default")


def test_timestamp_bounds_and_min_insync_replicas():
    with Broker() as broker, kw.Connection(broker.host_port) as conn:
        check(create_topic(conn, "strict")["ErrorCode"] == 0, "create")
        set_topic(conn, "strict", message_timestamp_before_max_ms="60000")
        check(produce(conn, "strict", [b"old"], timestamp=now_ms() - 3600000)[0] == 32, "INVALID_TIMESTAMP")
        check(produce(conn, "strict", [b"new"])[0] == 0, "a current timestamp is fine")
        set_topic(conn, "strict", min_insync_replicas="2")
        check(produce(conn, "strict", [b"all"], acks=-1)[0] == 19, "NOT_ENOUGH_REPLICAS with acks=all")
        check(produce(conn, "strict", [b"one"], acks=1)[0] == 0, "acks=1 does not need the ISR")


def test_configs_survive_a_restart_and_broker_defaults_apply_at_once():
    with DataDir() as data:
        with Broker(data_dir=data) as broker, kw.Connection(broker.host_port) as conn:
            check(create_topic(conn, "kept", configs={"retention.ms": "12345"})["ErrorCode"] == 0, "create kept")
            check(create_topic(conn, "plain")["ErrorCode"] == 0, "create plain")
            set_topic(conn, "kept", cleanup_policy="compact,delete")
            err, msg = alter(conn, BROKER, "", [(SET, "log.retention.bytes", "1000000")])
            check(err == 0, f"cluster default: {err} {msg}")
            plain = topic_configs(conn, "plain")["retention.bytes"]
            check(plain["Value"] == "1000000" and plain["ConfigSource"] == 3, f"applied at once: {plain}")
            # validate_only changes nothing.
            check(alter(conn, TOPIC, "plain", [(SET, "retention.ms", "5")], validate_only=True)[0] == 0, "validate")
            check(topic_configs(conn, "plain")["retention.ms"]["Value"] == "604800000", "validate_only applied")
        with Broker(data_dir=data) as broker, kw.Connection(broker.host_port) as conn:
            kept = topic_configs(conn, "kept")
            check(kept["retention.ms"]["Value"] == "12345" and kept["retention.ms"]["ConfigSource"] == 1,
                  str(kept["retention.ms"]))
            check(kept["cleanup.policy"]["Value"] == "compact,delete", str(kept["cleanup.policy"]))
            check(kept["retention.bytes"]["Value"] == "1000000", "the dynamic default after restart")
            dynamic = conn.call("DescribeConfigs", 4, {"Resources": [
                {"ResourceType": BROKER, "ResourceName": ""}]})["Results"][0]["Configs"]
            check([(c["Name"], c["Value"], c["ConfigSource"]) for c in dynamic]
                  == [("log.retention.bytes", "1000000", 3)], str(dynamic))


def test_bad_input_gets_kafkas_errors():
    with Broker(overrides={"offsets.topic.num.partitions": "1"}) as broker, kw.Connection(broker.host_port) as conn:
        check(create_topic(conn, "target", 2)["ErrorCode"] == 0, "create")
        node = str(kw.metadata(conn)["brokers"][0]["node_id"])
        cases = [
            ([(SET, "no.such.config", "1")], INVALID_CONFIG, "Unknown topic config name: no.such.config"),
            ([(SET, "retention.ms", "abc")], INVALID_CONFIG, "Not a number of type LONG"),
            ([(SET, "retention.ms", "-5")], INVALID_CONFIG, "Value must be at least -1"),
            ([(SET, "cleanup.policy", "shred")], INVALID_CONFIG, "String must be one of: compact, delete"),
            ([(SET, "min.insync.replicas", "0")], INVALID_CONFIG, "Value must be at least 1"),
            ([(2, "retention.ms", "5")], INVALID_CONFIG, "because its type is not LIST"),
            ([(SET, "retention.ms", "1"), (DELETE, "retention.ms", "")], INVALID_REQUEST, "duplicate config keys"),
            ([(SET, "retention.ms", None)], INVALID_REQUEST, "Null value not supported"),
        ]
        for changes, code, text in cases:
            err, msg = alter(conn, TOPIC, "target", changes)
            check(err == code and text in (msg or ""), f"{changes}: {err} {msg}")
        check(topic_configs(conn, "target")["retention.ms"]["ConfigSource"] == 5, "a failed alter changed nothing")
        check(alter(conn, TOPIC, "missing", [(SET, "retention.ms", "1")])[0] == 3, "unknown topic")
        # Broker keys: read-only ones need a restart, values are checked, the id must be this node's.
        err, msg = alter(conn, BROKER, node, [(SET, "log.dirs", "/elsewhere")])
        check(err == INVALID_REQUEST and "Cannot update these configs dynamically: Set(log.dirs)" in msg, f"{msg}")
        err, msg = alter(conn, BROKER, node, [(SET, "log.retention.minutes", "5")])
        check(err == INVALID_REQUEST and "log.retention.minutes" in msg, f"{msg}")
        err, msg = alter(conn, BROKER, node, [(SET, "message.max.bytes", "lots")])
        check(err == INVALID_REQUEST and "Not a number of type INT" in msg, f"{msg}")
        err, msg = alter(conn, BROKER, "77", [(SET, "log.retention.ms", "1")])
        check(err == INVALID_REQUEST and "Unexpected broker id" in msg, f"{msg}")
        # Partitions only grow; internal topics keep theirs and cannot be deleted.
        resp = conn.call("CreatePartitions", 3, {"Topics": [{"Name": "target", "Count": 1, "Assignments": None}]})
        check(resp["Results"][0]["ErrorCode"] == INVALID_PARTITIONS, str(resp))
        # The group coordinator created __consumer_offsets at start-up.
        resp = conn.call("CreatePartitions", 3, {"Topics": [{"Name": "__consumer_offsets", "Count": 5, "Assignments": None}]})
        check(resp["Results"][0]["ErrorCode"] == INVALID_REQUEST, str(resp))
        resp = conn.call("DeleteTopics", 6, {"Topics": [{"Name": "__consumer_offsets"}], "TimeoutMs": 30000})
        r = resp["Responses"][0]
        check(r["ErrorCode"] == INVALID_REQUEST and "internal topic" in r["ErrorMessage"], str(r))
        meta = kw.metadata(conn, ["__consumer_offsets"])["topics"]["__consumer_offsets"]
        check(meta["internal"] and len(meta["partitions"]) == 1, f"internal topic intact: {meta}")
        resp = conn.call("DeleteRecords", 2, {"Topics": [{"Name": "__consumer_offsets",
                                                          "Partitions": [{"PartitionIndex": 0, "Offset": 0}]}]})
        check(resp["Topics"][0]["Partitions"][0]["ErrorCode"] == INVALID_TOPIC, str(resp))
        # Topic names: illegal characters, longer than 249.
        for name, text in (("bad/name", "is illegal, it contains a character other than"),
                           ("x" * 250, "can't be longer than 249 characters")):
            r = create_topic(conn, name)
            check(r["ErrorCode"] == INVALID_TOPIC and text in r["ErrorMessage"], f"{name[:20]}: {r}")
            result = conn.call("DescribeConfigs", 4, {"Resources": [
                {"ResourceType": TOPIC, "ResourceName": name}]})["Results"][0]
            check(result["ErrorCode"] == INVALID_TOPIC, f"describe {name[:20]}: {result['ErrorCode']}")
        check(create_topic(conn, "x" * 249)["ErrorCode"] == 0, "249 characters are allowed")
        r = create_topic(conn, "rf", 1)
        resp = conn.call("CreateTopics", 7, {"Topics": [{"Name": "rf3", "NumPartitions": 1,
                                                         "ReplicationFactor": 3}]})
        check(resp["Topics"][0]["ErrorCode"] == 38, f"replication factor 3: {resp}")


if __name__ == "__main__":
    sys.exit(main(test_lowered_retention_deletes_old_segments, test_new_segment_bytes_applies_on_the_next_roll,
                  test_lowered_max_message_bytes_rejects_larger_batches, test_timestamp_bounds_and_min_insync_replicas,
                  test_configs_survive_a_restart_and_broker_defaults_apply_at_once, test_bad_input_gets_kafkas_errors))
