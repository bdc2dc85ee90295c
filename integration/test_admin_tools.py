#!/usr/bin/python3
"""The Kafka 3.9 Java admin tools' request sequences (/work/shared/docs/java-clients.md §3),
replayed at the versions those tools send through the schema-driven wire client, each
checked for its effect: kafka-topics --describe / --alter --partitions, kafka-configs for
topics and brokers, kafka-log-dirs, kafka-delete-records, kafka-leader-election and
kafka-get-offsets."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))
from broker import Broker  # noqa: E402
from testing import check, main  # noqa: E402
import compat  # noqa: E402
import java_replay  # noqa: E402
import kafka_wire as kw  # noqa: E402

CLIENT = compat.java_tools()
ADMIN = "adminclient-1"
TOPIC, BROKER = 2, 4                    # ConfigResource types
DYNAMIC_TOPIC, STATIC_BROKER, DEFAULT = 1, 4, 5
NONE, UNKNOWN_TOPIC, ELECTION_NOT_NEEDED, OFFSET_OUT_OF_RANGE = 0, 3, 84, 1


def admin(broker):
    """The admin tools' second connection: ApiVersions v4, then the real work."""
    conn = kw.Connection(broker.host_port)
    api = conn.call("ApiVersions", 4, {"ClientSoftwareName": "apache-kafka-java",
                                       "ClientSoftwareVersion": "3.9.0"}, client_id=ADMIN)
    check(api["ErrorCode"] == 0, f"ApiVersions v4: {api['ErrorCode']}")
    ranges = {k["ApiKey"]: (k["MinVersion"], k["MaxVersion"]) for k in api["ApiKeys"]}
    # The versions kafka-topics/-configs/-log-dirs/... send (java-clients.md §1).
    for key, version in {19: 7, 20: 6, 37: 3, 75: 0, 60: 1, 46: 0, 32: 4, 44: 1, 21: 2, 43: 2, 35: 4, 2: 9}.items():
        lo, hi = ranges.get(key, (1, 0))
        check(lo <= version <= hi, f"api {key} v{version} not advertised: {ranges.get(key)}")
    return conn


def create_topic(conn, name, partitions, configs=None):
    resp = conn.call("CreateTopics", 7, {"Topics": [{
        "Name": name, "NumPartitions": partitions, "ReplicationFactor": 1, "Assignments": [],
        "Configs": [{"Name": k, "Value": v} for k, v in (configs or {}).items()]}],
        "timeoutMs": 29990}, client_id=ADMIN)
    check(resp["Topics"][0]["ErrorCode"] == 0, f"CreateTopics {name}: {resp['Topics'][0]}")


def describe_configs(conn, resource_type, name, synonyms=False, keys=None, docs=False):
    resp = conn.call("DescribeConfigs", 4, {"Resources": [{
        "ResourceType": resource_type, "ResourceName": name, "ConfigurationKeys": keys}],
        "IncludeSynonyms": synonyms, "IncludeDocumentation": docs}, client_id=ADMIN)
    return resp["Results"][0]


def configs_by_name(result):
    check(result["ErrorCode"] == 0, f"DescribeConfigs: {result['ErrorCode']} {result['ErrorMessage']}")
    return {c["Name"]: c for c in result["Configs"]}


def produce(broker, topic, partition, count):
    with kw.Connection(broker.host_port) as conn:
        for i in range(count):
            err, _ = kw.produce(conn, topic, partition, kw.record_batch([b"value-%d" % i]))
            check(err == 0, f"produce to {topic}-{partition}: error {err}")


def list_offset(conn, topic, partition, timestamp):
    resp = conn.call("ListOffsets", 9, {"ReplicaId": -1, "IsolationLevel": 0, "Topics": [{
        "Name": topic, "Partitions": [{"PartitionIndex": partition, "CurrentLeaderEpoch": -1,
                                       "Timestamp": timestamp}]}]}, client_id="GetOffsetShell")
    p = resp["Topics"][0]["Partitions"][0]
    check(p["ErrorCode"] == 0, f"ListOffsets {topic}-{partition}: {p['ErrorCode']}")
    return p["Offset"]


@CLIENT.flow("admin-topics")
def test_kafka_topics_describe():
    with Broker(overrides={"offsets.topic.num.partitions": "1",
                           "transaction.state.log.num.partitions": "1"}) as broker, admin(broker) as conn:
        create_topic(conn, "described", 3, {"retention.ms": "86400000"})
        create_topic(conn, "other", 2)
        node = conn.call("Metadata", 12, {"Topics": None}, client_id=ADMIN)["Brokers"][0]["NodeId"]
        cluster = conn.call("DescribeCluster", 1, {"EndpointType": 1}, client_id=ADMIN)
        check(cluster["ErrorCode"] == 0 and cluster["ControllerId"] == node, f"DescribeCluster: {cluster}")
        check([b["BrokerId"] for b in cluster["Brokers"]] == [node] and cluster["Brokers"][0]["Port"] == broker.port,
              f"DescribeCluster brokers: {cluster['Brokers']}")
        dtp = conn.call("DescribeTopicPartitions", 0, {"Topics": [{"Name": "described"}],
                                                       "ResponsePartitionLimit": 2000, "Cursor": None},
                        client_id=ADMIN)
        topic = dtp["Topics"][0]
        check(topic["ErrorCode"] == 0 and topic["Name"] == "described" and not topic["IsInternal"], str(topic))
        check([p["PartitionIndex"] for p in topic["Partitions"]] == [0, 1, 2], str(topic["Partitions"]))
        for p in topic["Partitions"]:
            check(p["LeaderId"] == node and p["ReplicaNodes"] == [node] and p["IsrNodes"] == [node], str(p))
            check(p["EligibleLeaderReplicas"] == [] and p["LastKnownElr"] == [], str(p))
        check(dtp["NextCursor"] is None, f"cursor {dtp['NextCursor']}")
        configs = configs_by_name(describe_configs(conn, TOPIC, "described"))
        check(configs["retention.ms"]["Value"] == "86400000"
              and configs["retention.ms"]["ConfigSource"] == DYNAMIC_TOPIC, str(configs["retention.ms"]))
        check(configs["cleanup.policy"]["Value"] == "delete" and configs["cleanup.policy"]["ConfigSource"] == DEFAULT,
              str(configs["cleanup.policy"]))
        # config/server.properties sets log.segment.bytes: the topic's default comes from there.
        check(configs["segment.bytes"]["ConfigSource"] == STATIC_BROKER, str(configs["segment.bytes"]))
        check(all(not c["ReadOnly"] and not c["IsSensitive"] and c["Synonyms"] == [] for c in configs.values()),
              "topic configs are writable, not sensitive, and without synonyms unless asked")
        check(len(configs) >= 36, f"{len(configs)} topic configs")
        lpr = conn.call("ListPartitionReassignments", 0, {"TimeoutMs": 30000, "Topics": [
            {"Name": "described", "PartitionIndexes": [2, 1, 0]}]}, client_id=ADMIN)
        check(lpr["ErrorCode"] == 0 and lpr["Topics"] == [], f"ListPartitionReassignments: {lpr}")

        # --describe without --topic: every topic; a small limit pages with the cursor.
        seen, cursor = [], None
        for _ in range(10):
            page = conn.call("DescribeTopicPartitions", 0, {"Topics": [], "ResponsePartitionLimit": 2,
                                                            "Cursor": cursor}, client_id=ADMIN)
            for t in page["Topics"]:
                seen += [(t["Name"], p["PartitionIndex"]) for p in t["Partitions"]]
            cursor = page["NextCursor"]
            if cursor is None:
                break
        check(seen == [("__consumer_offsets", 0), ("__transaction_state", 0), ("described", 0), ("described", 1),
                       ("described", 2), ("other", 0), ("other", 1)], f"paged partitions {seen}")
        internal = conn.call("DescribeTopicPartitions", 0, {"Topics": [{"Name": "__consumer_offsets"}]})
        check(internal["Topics"][0]["IsInternal"], f"__consumer_offsets is internal: {internal}")
        missing = conn.call("DescribeTopicPartitions", 0, {"Topics": [{"Name": "nope"}, {"Name": "bad name"}]},
                            client_id=ADMIN)
        errors = {t["Name"]: t["ErrorCode"] for t in missing["Topics"]}
        check(errors == {"nope": UNKNOWN_TOPIC, "bad name": 17}, f"unknown/invalid topics: {errors}")


@CLIENT.flow("admin-topics")
def test_kafka_topics_alter_partitions():
    with Broker() as broker, admin(broker) as conn:
        create_topic(conn, "grows", 2)
        conn.call("DescribeTopicPartitions", 0, {"Topics": [{"Name": "grows"}]}, client_id=ADMIN)
        resp = conn.call("CreatePartitions", 3, {"Topics": [{"Name": "grows", "Count": 4, "Assignments": None}],
                                                 "TimeoutMs": 30000, "ValidateOnly": False}, client_id=ADMIN)
        check(resp["Results"][0]["ErrorCode"] == 0, f"CreatePartitions: {resp}")
        meta = kw.metadata(conn, ["grows"])["topics"]["grows"]
        check(len(meta["partitions"]) == 4, f"{len(meta['partitions'])} partitions after --partitions 4")
        produce(broker, "grows", 3, 2)
        records, _ = kw.read_all(broker.host_port, "grows", 3)
        check([r["value"] for r in records] == [b"value-0", b"value-1"], "records in the new partition")
        # validate_only changes nothing; fewer partitions is refused.
        resp = conn.call("CreatePartitions", 3, {"Topics": [{"Name": "grows", "Count": 6, "Assignments": None}], "ValidateOnly": True},
                         client_id=ADMIN)
        check(resp["Results"][0]["ErrorCode"] == 0, f"validate_only: {resp}")
        check(len(kw.metadata(conn, ["grows"])["topics"]["grows"]["partitions"]) == 4, "validate_only grew it")
        resp = conn.call("CreatePartitions", 3, {"Topics": [{"Name": "grows", "Count": 3, "Assignments": None}]}, client_id=ADMIN)
        r = resp["Results"][0]
        check(r["ErrorCode"] == 37 and "would not be an increase" in (r["ErrorMessage"] or ""), str(r))


@CLIENT.flow("admin-configs")
def test_kafka_configs_topics():
    with Broker() as broker, admin(broker) as conn:
        create_topic(conn, "cfg", 1)
        # --describe: synonyms on, only DYNAMIC_TOPIC_CONFIG entries printed.
        configs = configs_by_name(describe_configs(conn, TOPIC, "cfg", synonyms=True))
        check(not [c for c in configs.values() if c["ConfigSource"] == DYNAMIC_TOPIC], "no overrides yet")
        check(configs["segment.bytes"]["Synonyms"][0]["Name"] == "log.segment.bytes"
              and configs["segment.bytes"]["Synonyms"][0]["Source"] == STATIC_BROKER,
              str(configs["segment.bytes"]["Synonyms"]))
        # --alter --add-config retention.ms=1000,cleanup.policy=compact
        describe_configs(conn, TOPIC, "cfg")
        resp = conn.call("IncrementalAlterConfigs", 1, {"Resources": [{
            "ResourceType": TOPIC, "ResourceName": "cfg", "Configs": [
                {"Name": "retention.ms", "ConfigOperation": 0, "Value": "1000"},
                {"Name": "cleanup.policy", "ConfigOperation": 0, "Value": "compact"}]}],
            "ValidateOnly": False}, client_id=ADMIN)
        check(resp["Responses"][0]["ErrorCode"] == 0, f"IncrementalAlterConfigs: {resp}")
        configs = configs_by_name(describe_configs(conn, TOPIC, "cfg", synonyms=True))
        for name, value in (("retention.ms", "1000"), ("cleanup.policy", "compact")):
            c = configs[name]
            check(c["Value"] == value and c["ConfigSource"] == DYNAMIC_TOPIC
                  and c["Synonyms"][0] == {"Name": name, "Value": value, "Source": DYNAMIC_TOPIC}, str(c))
        # APPEND to a list, SUBTRACT from it.
        conn.call("IncrementalAlterConfigs", 1, {"Resources": [{"ResourceType": TOPIC, "ResourceName": "cfg",
                  "Configs": [{"Name": "cleanup.policy", "ConfigOperation": 2, "Value": "delete"}]}]})
        check(configs_by_name(describe_configs(conn, TOPIC, "cfg"))["cleanup.policy"]["Value"] == "compact,delete",
              "APPEND delete")
        # --alter --delete-config retention.ms (Value "" as the tool sends)
        resp = conn.call("IncrementalAlterConfigs", 1, {"Resources": [{
            "ResourceType": TOPIC, "ResourceName": "cfg", "Configs": [
                {"Name": "retention.ms", "ConfigOperation": 1, "Value": ""}]}]}, client_id=ADMIN)
        check(resp["Responses"][0]["ErrorCode"] == 0, f"delete-config: {resp}")
        c = configs_by_name(describe_configs(conn, TOPIC, "cfg"))["retention.ms"]
        check(c["Value"] == "604800000" and c["ConfigSource"] == DEFAULT, str(c))
        # describe of a missing topic: error 3 (the tool exits 1).
        check(describe_configs(conn, TOPIC, "missing")["ErrorCode"] == UNKNOWN_TOPIC, "missing topic")


@CLIENT.flow("admin-configs")
def test_kafka_configs_brokers():
    # kafka-configs --entity-type brokers --entity-name 1 --describe --all
    with Broker(overrides={"node.id": "1"}) as broker, admin(broker) as conn:
        node = str(kw.metadata(conn)["brokers"][0]["node_id"])
        check(node == "1", f"node id {node}")
        configs = configs_by_name(describe_configs(conn, BROKER, node, synonyms=True, docs=True))
        hours = configs["log.retention.hours"]
        check(hours["Value"] == "168" and hours["ConfigSource"] == STATIC_BROKER and hours["ReadOnly"], str(hours))
        check([s["Source"] for s in hours["Synonyms"]] == [STATIC_BROKER, DEFAULT], str(hours["Synonyms"]))
        check(configs["log.retention.ms"]["Value"] is None and not configs["log.retention.ms"]["ReadOnly"],
              str(configs["log.retention.ms"]))
        check(configs["log.dirs"]["ReadOnly"] and configs["log.dirs"]["Value"] == broker.data_dir,
              str(configs["log.dirs"]))
        check(configs["num.partitions"]["ConfigType"] == 3 and configs["num.partitions"]["Documentation"],
              str(configs["num.partitions"]))
        # A dynamic broker default changes every topic without an override, and shows up.
        create_topic(conn, "follows", 1)
        resp = conn.call("IncrementalAlterConfigs", 1, {"Resources": [{
            "ResourceType": BROKER, "ResourceName": node, "Configs": [
                {"Name": "log.retention.ms", "ConfigOperation": 0, "Value": "3600000"}]}]}, client_id=ADMIN)
        check(resp["Responses"][0]["ErrorCode"] == 0, f"broker alter: {resp}")
        c = configs_by_name(describe_configs(conn, BROKER, node, synonyms=True))["log.retention.ms"]
        check(c["Value"] == "3600000" and c["ConfigSource"] == 2, str(c))
        t = configs_by_name(describe_configs(conn, TOPIC, "follows", synonyms=True))["retention.ms"]
        check(t["Value"] == "3600000" and t["ConfigSource"] == 2
              and t["Synonyms"][0] == {"Name": "log.retention.ms", "Value": "3600000", "Source": 2}, str(t))
        # The cluster-wide default resource ("") lists only what was set there.
        check(describe_configs(conn, BROKER, "")["Configs"] == [], "no cluster defaults yet")
        # Broker loggers (type 8).
        loggers = configs_by_name(describe_configs(conn, 8, node))
        check(loggers["root"]["Value"] == "INFO" and loggers["root"]["ConfigSource"] == 6, str(loggers))


@CLIENT.flow("other-admin-tools", describe="kafka-log-dirs.sh, kafka-delete-records.sh, "
             "kafka-get-offsets.sh, kafka-leader-election.sh, each checked for its effect")
def test_kafka_log_dirs():
    with Broker() as broker, admin(broker) as conn:
        create_topic(conn, "sized", 2)
        produce(broker, "sized", 1, 3)
        conn.call("DescribeCluster", 1, {}, client_id="log-dirs-tool")
        resp = conn.call("DescribeLogDirs", 4, {"Topics": None}, client_id="log-dirs-tool")
        check(resp["ErrorCode"] == 0 and len(resp["Results"]) == 1, str(resp))
        result = resp["Results"][0]
        check(result["ErrorCode"] == 0 and os.path.samefile(result["LogDir"], broker.data_dir), str(result))
        check(result["TotalBytes"] > 0 and 0 < result["UsableBytes"] <= result["TotalBytes"], str(result))
        sized = {p["PartitionIndex"]: p for t in result["Topics"] if t["Name"] == "sized" for p in t["Partitions"]}
        check(sorted(sized) == [0, 1], f"partitions {sorted(sized)}")
        check(sized[0]["PartitionSize"] == 0 and sized[1]["PartitionSize"] > 0, str(sized))
        check(all(p["OffsetLag"] == 0 and not p["IsFutureKey"] for p in sized.values()), str(sized))
        only = conn.call("DescribeLogDirs", 4, {"Topics": [{"Topic": "sized", "Partitions": [1]}]})
        listed = [(t["Name"], p["PartitionIndex"]) for t in only["Results"][0]["Topics"] for p in t["Partitions"]]
        check(listed == [("sized", 1)], f"filtered: {listed}")


@CLIENT.flow("other-admin-tools")
def test_kafka_delete_records_and_get_offsets():
    with Broker() as broker, admin(broker) as conn:
        create_topic(conn, "trimmed", 1)
        produce(broker, "trimmed", 0, 5)
        # kafka-get-offsets: Metadata(null) -> DescribeCluster -> DescribeTopicPartitions -> Metadata(t) -> ListOffsets
        conn.call("Metadata", 12, {"Topics": None}, client_id="GetOffsetShell")
        conn.call("DescribeCluster", 1, {}, client_id="GetOffsetShell")
        conn.call("DescribeTopicPartitions", 0, {"Topics": [{"Name": "trimmed"}]}, client_id="GetOffsetShell")
        check(list_offset(conn, "trimmed", 0, -1) == 5 and list_offset(conn, "trimmed", 0, -2) == 0, "offsets")
        # kafka-delete-records: Metadata(t) -> DeleteRecords v2 {partition 0, offset 2}
        resp = conn.call("DeleteRecords", 2, {"Topics": [{"Name": "trimmed", "Partitions": [
            {"PartitionIndex": 0, "Offset": 2}]}], "TimeoutMs": 60000}, client_id=ADMIN)
        p = resp["Topics"][0]["Partitions"][0]
        check(p["ErrorCode"] == 0 and p["LowWatermark"] == 2, str(p))
        check(list_offset(conn, "trimmed", 0, -2) == 2, "earliest after DeleteRecords")
        error, _, _ = kw.fetch(conn, "trimmed", 0, 1)
        check(error == OFFSET_OUT_OF_RANGE, f"fetch below the log start: {error}")
        error, _, blob = kw.fetch(conn, "trimmed", 0, 2)
        check(error == 0 and blob, "fetch at the log start")
        # Beyond the high watermark: OFFSET_OUT_OF_RANGE; -1 means the high watermark.
        resp = conn.call("DeleteRecords", 2, {"Topics": [{"Name": "trimmed", "Partitions": [
            {"PartitionIndex": 0, "Offset": 99}, {"PartitionIndex": 7, "Offset": 1}]}]})
        errors = [(p["ErrorCode"], p["LowWatermark"]) for p in resp["Topics"][0]["Partitions"]]
        check(errors == [(OFFSET_OUT_OF_RANGE, -1), (UNKNOWN_TOPIC, -1)], str(errors))
        resp = conn.call("DeleteRecords", 2, {"Topics": [{"Name": "trimmed", "Partitions": [
            {"PartitionIndex": 0, "Offset": -1}]}]})
        check(resp["Topics"][0]["Partitions"][0]["LowWatermark"] == 5, str(resp))


@CLIENT.flow("other-admin-tools")
def test_kafka_leader_election():
    with Broker() as broker, admin(broker) as conn:
        create_topic(conn, "led", 2)
        resp = conn.call("ElectLeaders", 2, {"ElectionType": 0, "TopicPartitions": None, "TimeoutMs": 15000},
                         client_id=ADMIN)
        check(resp["ErrorCode"] == 0 and resp["ReplicaElectionResults"] == [], f"--all-topic-partitions: {resp}")
        resp = conn.call("ElectLeaders", 2, {"ElectionType": 0, "TopicPartitions": [
            {"Topic": "led", "Partitions": [0, 5]}]}, client_id=ADMIN)
        results = {p["PartitionId"]: p["ErrorCode"] for p in resp["ReplicaElectionResults"][0]["PartitionResult"]}
        check(results == {0: ELECTION_NOT_NEEDED, 5: UNKNOWN_TOPIC}, str(results))


def test_captured_java_admin_requests_replayed():
    """The captured requests themselves (integration/java_golden/), byte for byte but for the
    correlation id: they name topics t (created by the captured CreateTopics) and t2."""
    golden = ["CreateTopicsRequest_v7", "MetadataRequest_v12", "DescribeClusterRequest_v1",
              "DescribeTopicPartitionsRequest_v0", "DescribeConfigsRequest_v4",
              "ListPartitionReassignmentsRequest_v0", "IncrementalAlterConfigsRequest_v1",
              "DeleteRecordsRequest_v2", "CreatePartitionsRequest_v3", "ElectLeadersRequest_v2",
              "DescribeLogDirsRequest_v4", "DeleteTopicsRequest_v6"]
    for name in golden:
        g = java_replay.Golden(name)
        check(g.reencoded() == g.raw, f"{name} does not re-encode byte for byte")
    with Broker() as broker, java_replay.connect(broker.host_port) as conn:
        send = lambda name: java_replay.send(conn, name)  # noqa: E731
        check(send("CreateTopicsRequest_v7")["Topics"][0]["ErrorCode"] == 0, "kafka-topics --create t")
        create_topic(conn, "t2", 3)
        check(send("MetadataRequest_v12")["Brokers"], "Metadata")
        check(send("DescribeClusterRequest_v1")["ErrorCode"] == 0, "DescribeCluster")
        dtp = send("DescribeTopicPartitionsRequest_v0")["Topics"][0]
        check(dtp["Name"] == "t" and len(dtp["Partitions"]) == 3, f"DescribeTopicPartitions: {dtp}")
        configs = configs_by_name(send("DescribeConfigsRequest_v4")["Results"][0])
        check(configs["retention.ms"]["Value"] == "86400000" and configs["retention.ms"]["ConfigSource"] == 1,
              str(configs["retention.ms"]))
        check(send("ListPartitionReassignmentsRequest_v0")["Topics"] == [], "ListPartitionReassignments")
        check(send("IncrementalAlterConfigsRequest_v1")["Responses"][0]["ErrorCode"] == 0, "--add-config")
        check(configs_by_name(describe_configs(conn, TOPIC, "t"))["retention.ms"]["Value"] == "1000",
              "retention.ms=1000 after kafka-configs --alter")
        produce(broker, "t", 0, 3)
        deleted = send("DeleteRecordsRequest_v2")["Topics"][0]["Partitions"][0]
        check(deleted["ErrorCode"] == 0 and deleted["LowWatermark"] == 1, f"DeleteRecords: {deleted}")
        check(send("CreatePartitionsRequest_v3")["Results"][0]["ErrorCode"] == 0, "--alter --partitions 4")
        check(len(kw.metadata(conn, ["t2"])["topics"]["t2"]["partitions"]) == 4, "t2 has 4 partitions")
        elected = send("ElectLeadersRequest_v2")
        check(elected["ErrorCode"] == 0 and elected["ReplicaElectionResults"] == [], f"ElectLeaders: {elected}")
        dirs = send("DescribeLogDirsRequest_v4")["Results"][0]
        check({t["Name"] for t in dirs["Topics"]} >= {"t", "t2"}, f"DescribeLogDirs: {dirs['Topics']}")
        check(send("DeleteTopicsRequest_v6")["Responses"][0]["ErrorCode"] == 0, "kafka-topics --delete t2")
        check("t2" not in kw.metadata(conn)["topics"], "t2 is gone")


if __name__ == "__main__":
    sys.exit(main(test_kafka_topics_describe, test_kafka_topics_alter_partitions, test_kafka_configs_topics,
                  test_kafka_configs_brokers, test_kafka_log_dirs, test_kafka_delete_records_and_get_offsets,
                  test_kafka_leader_election, test_captured_java_admin_requests_replayed))
