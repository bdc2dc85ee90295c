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
import kafka_wire as kw  # noqa: E402

ADMIN = "adminclient-1"
TOPIC, BROKER = 2, 4                    # ConfigResource types
DYNAMIC_TOPIC, STATIC_BROKER, DEFAULT = 1, 4, 5
NONE, UNKNOWN_TOPIC, ELECTION_NOT_NEEDED, OFFSET_OUT_OF_RANGE = 0, 3, 84, 1


def admin(broker):
    """The admin tools' second connection: ApiVersions v4, then the real work."""
    conn = kw.Connection(broker.host_port)
    api = conn.call("ApiVersions", 4, {"client_software_name": "apache-kafka-java",
                                       "client_software_version": "3.9.0"}, client_id=ADMIN)
    check(api["error_code"] == 0, f"ApiVersions v4: {api['error_code']}")
    ranges = {k["api_key"]: (k["min_version"], k["max_version"]) for k in api["api_keys"]}
    # The versions kafka-topics/-configs/-log-dirs/... send (java-clients.md §1).
    for key, version in {19: 7, 20: 6, 37: 3, 75: 0, 60: 1, 46: 0, 32: 4, 44: 1, 21: 2, 43: 2, 35: 4, 2: 9}.items():
        lo, hi = ranges.get(key, (1, 0))
        check(lo <= version <= hi, f"api {key} v{version} not advertised: {ranges.get(key)}")
    return conn


def create_topic(conn, name, partitions, configs=None):
    resp = conn.call("CreateTopics", 7, {"topics": [{
        "name": name, "num_partitions": partitions, "replication_factor": 1, "assignments": [],
        "configs": [{"name": k, "value": v} for k, v in (configs or {}).items()]}],
        "timeout_ms": 29990}, client_id=ADMIN)
    check(resp["topics"][0]["error_code"] == 0, f"CreateTopics {name}: {resp['topics'][0]}")


def describe_configs(conn, resource_type, name, synonyms=False, keys=None, docs=False):
    resp = conn.call("DescribeConfigs", 4, {"resources": [{
        "resource_type": resource_type, "resource_name": name, "configuration_keys": keys}],
        "include_synonyms": synonyms, "include_documentation": docs}, client_id=ADMIN)
    return resp["results"][0]


def configs_by_name(result):
    check(result["error_code"] == 0, f"DescribeConfigs: {result['error_code']} {result['error_message']}")
    return {c["name"]: c for c in result["configs"]}


def produce(broker, topic, partition, count):
    with kw.Connection(broker.host_port) as conn:
        for i in range(count):
            err, _ = kw.produce(conn, topic, partition, kw.record_batch([b"value-%d" % i]))
            check(err == 0, f"produce to {topic}-{partition}: error {err}")


def list_offset(conn, topic, partition, timestamp):
    resp = conn.call("ListOffsets", 9, {"replica_id": -1, "isolation_level": 0, "topics": [{
        "name": topic, "partitions": [{"partition_index": partition, "current_leader_epoch": -1,
                                       "timestamp": timestamp}]}]}, client_id="GetOffsetShell")
    p = resp["topics"][0]["partitions"][0]
    check(p["error_code"] == 0, f"ListOffsets {topic}-{partition}: {p['error_code']}")
    return p["offset"]


def test_kafka_topics_describe():
    with Broker() as broker, admin(broker) as conn:
        create_topic(conn, "described", 3, {"retention.ms": "86400000"})
        create_topic(conn, "other", 2)
        node = conn.call("Metadata", 12, {"topics": None}, client_id=ADMIN)["brokers"][0]["node_id"]
        cluster = conn.call("DescribeCluster", 1, {"endpoint_type": 1}, client_id=ADMIN)
        check(cluster["error_code"] == 0 and cluster["controller_id"] == node, f"DescribeCluster: {cluster}")
        check([b["broker_id"] for b in cluster["brokers"]] == [node] and cluster["brokers"][0]["port"] == broker.port,
              f"DescribeCluster brokers: {cluster['brokers']}")
        dtp = conn.call("DescribeTopicPartitions", 0, {"topics": [{"name": "described"}],
                                                       "response_partition_limit": 2000, "cursor": None},
                        client_id=ADMIN)
        topic = dtp["topics"][0]
        check(topic["error_code"] == 0 and topic["name"] == "described" and not topic["is_internal"], str(topic))
        check([p["partition_index"] for p in topic["partitions"]] == [0, 1, 2], str(topic["partitions"]))
        for p in topic["partitions"]:
            check(p["leader_id"] == node and p["replica_nodes"] == [node] and p["isr_nodes"] == [node], str(p))
            check(p["eligible_leader_replicas"] == [] and p["last_known_elr"] == [], str(p))
        check(dtp["next_cursor"] is None, f"cursor {dtp['next_cursor']}")
        configs = configs_by_name(describe_configs(conn, TOPIC, "described"))
        check(configs["retention.ms"]["value"] == "86400000"
              and configs["retention.ms"]["config_source"] == DYNAMIC_TOPIC, str(configs["retention.ms"]))
        check(configs["cleanup.policy"]["value"] == "delete" and configs["cleanup.policy"]["config_source"] == DEFAULT,
              str(configs["cleanup.policy"]))
        # config/server.properties sets log.segment.bytes: the topic's default comes from there.
        check(configs["segment.bytes"]["config_source"] == STATIC_BROKER, str(configs["segment.bytes"]))
        check(all(not c["read_only"] and not c["is_sensitive"] and c["synonyms"] == [] for c in configs.values()),
              "topic configs are writable, not sensitive, and without synonyms unless asked")
        check(len(configs) >= 36, f"{len(configs)} topic configs")
        lpr = conn.call("ListPartitionReassignments", 0, {"timeout_ms": 30000, "topics": [
            {"name": "described", "partition_indexes": [2, 1, 0]}]}, client_id=ADMIN)
        check(lpr["error_code"] == 0 and lpr["topics"] == [], f"ListPartitionReassignments: {lpr}")

        # --describe without --topic: every topic; a small limit pages with the cursor.
        seen, cursor = [], None
        for _ in range(10):
            page = conn.call("DescribeTopicPartitions", 0, {"topics": [], "response_partition_limit": 2,
                                                            "cursor": cursor}, client_id=ADMIN)
            for t in page["topics"]:
                seen += [(t["name"], p["partition_index"]) for p in t["partitions"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        check(seen == [("described", 0), ("described", 1), ("described", 2), ("other", 0), ("other", 1)],
              f"paged partitions {seen}")
        missing = conn.call("DescribeTopicPartitions", 0, {"topics": [{"name": "nope"}, {"name": "bad name"}]},
                            client_id=ADMIN)
        errors = {t["name"]: t["error_code"] for t in missing["topics"]}
        check(errors == {"nope": UNKNOWN_TOPIC, "bad name": 17}, f"unknown/invalid topics: {errors}")


def test_kafka_topics_alter_partitions():
    with Broker() as broker, admin(broker) as conn:
        create_topic(conn, "grows", 2)
        conn.call("DescribeTopicPartitions", 0, {"topics": [{"name": "grows"}]}, client_id=ADMIN)
        resp = conn.call("CreatePartitions", 3, {"topics": [{"name": "grows", "count": 4, "assignments": None}],
                                                 "timeout_ms": 30000, "validate_only": False}, client_id=ADMIN)
        check(resp["results"][0]["error_code"] == 0, f"CreatePartitions: {resp}")
        meta = kw.metadata(conn, ["grows"])["topics"]["grows"]
        check(len(meta["partitions"]) == 4, f"{len(meta['partitions'])} partitions after --partitions 4")
        produce(broker, "grows", 3, 2)
        records, _ = kw.read_all(broker.host_port, "grows", 3)
        check([r["value"] for r in records] == [b"value-0", b"value-1"], "records in the new partition")
        # validate_only changes nothing; fewer partitions is refused.
        resp = conn.call("CreatePartitions", 3, {"topics": [{"name": "grows", "count": 6, "assignments": None}], "validate_only": True},
                         client_id=ADMIN)
        check(resp["results"][0]["error_code"] == 0, f"validate_only: {resp}")
        check(len(kw.metadata(conn, ["grows"])["topics"]["grows"]["partitions"]) == 4, "validate_only grew it")
        resp = conn.call("CreatePartitions", 3, {"topics": [{"name": "grows", "count": 3, "assignments": None}]}, client_id=ADMIN)
        r = resp["results"][0]
        check(r["error_code"] == 37 and "would not be an increase" in (r["error_message"] or ""), str(r))


def test_kafka_configs_topics():
    with Broker() as broker, admin(broker) as conn:
        create_topic(conn, "cfg", 1)
        # --describe: synonyms on, only DYNAMIC_TOPIC_CONFIG entries printed.
        configs = configs_by_name(describe_configs(conn, TOPIC, "cfg", synonyms=True))
        check(not [c for c in configs.values() if c["config_source"] == DYNAMIC_TOPIC], "no overrides yet")
        check(configs["segment.bytes"]["synonyms"][0]["name"] == "log.segment.bytes"
              and configs["segment.bytes"]["synonyms"][0]["source"] == STATIC_BROKER,
              str(configs["segment.bytes"]["synonyms"]))
        # --alter --add-config retention.ms=1000,cleanup.policy=compact
        describe_configs(conn, TOPIC, "cfg")
        resp = conn.call("IncrementalAlterConfigs", 1, {"resources": [{
            "resource_type": TOPIC, "resource_name": "cfg", "configs": [
                {"name": "retention.ms", "config_operation": 0, "value": "1000"},
                {"name": "cleanup.policy", "config_operation": 0, "value": "compact"}]}],
            "validate_only": False}, client_id=ADMIN)
        check(resp["responses"][0]["error_code"] == 0, f"IncrementalAlterConfigs: {resp}")
        configs = configs_by_name(describe_configs(conn, TOPIC, "cfg", synonyms=True))
        for name, value in (("retention.ms", "1000"), ("cleanup.policy", "compact")):
            c = configs[name]
            check(c["value"] == value and c["config_source"] == DYNAMIC_TOPIC
                  and c["synonyms"][0] == {"name": name, "value": value, "source": DYNAMIC_TOPIC}, str(c))
        # APPEND to a list, SUBTRACT from it.
        conn.call("IncrementalAlterConfigs", 1, {"resources": [{"resource_type": TOPIC, "resource_name": "cfg",
                  "configs": [{"name": "cleanup.policy", "config_operation": 2, "value": "delete"}]}]})
        check(configs_by_name(describe_configs(conn, TOPIC, "cfg"))["cleanup.policy"]["value"] == "compact,delete",
              "APPEND delete")
        # --alter --delete-config retention.ms (Value "" as the tool sends)
        resp = conn.call("IncrementalAlterConfigs", 1, {"resources": [{
            "resource_type": TOPIC, "resource_name": "cfg", "configs": [
                {"name": "retention.ms", "config_operation": 1, "value": ""}]}]}, client_id=ADMIN)
        check(resp["responses"][0]["error_code"] == 0, f"delete-config: {resp}")
        c = configs_by_name(describe_configs(conn, TOPIC, "cfg"))["retention.ms"]
        check(c["value"] == "604800000" and c["config_source"] == DEFAULT, str(c))
        # describe of a missing topic: error 3 (the tool exits 1).
        check(describe_configs(conn, TOPIC, "missing")["error_code"] == UNKNOWN_TOPIC, "missing topic")


def test_kafka_configs_brokers():
    with Broker() as broker, admin(broker) as conn:
        node = str(kw.metadata(conn)["brokers"][0]["node_id"])
        configs = configs_by_name(describe_configs(conn, BROKER, node, synonyms=True, docs=True))
        hours = configs["log.retention.hours"]
        check(hours["value"] == "168" and hours["config_source"] == STATIC_BROKER and hours["read_only"], str(hours))
        check([s["source"] for s in hours["synonyms"]] == [STATIC_BROKER, DEFAULT], str(hours["synonyms"]))
        check(configs["log.retention.ms"]["value"] is None and not configs["log.retention.ms"]["read_only"],
              str(configs["log.retention.ms"]))
        check(configs["log.dirs"]["read_only"] and configs["log.dirs"]["value"] == broker.data_dir,
              str(configs["log.dirs"]))
        check(configs["num.partitions"]["config_type"] == 3 and configs["num.partitions"]["documentation"],
              str(configs["num.partitions"]))
        # A dynamic broker default changes every topic without an override, and shows up.
        create_topic(conn, "follows", 1)
        resp = conn.call("IncrementalAlterConfigs", 1, {"resources": [{
            "resource_type": BROKER, "resource_name": node, "configs": [
                {"name": "log.retention.ms", "config_operation": 0, "value": "3600000"}]}]}, client_id=ADMIN)
        check(resp["responses"][0]["error_code"] == 0, f"broker alter: {resp}")
        c = configs_by_name(describe_configs(conn, BROKER, node, synonyms=True))["log.retention.ms"]
        check(c["value"] == "3600000" and c["config_source"] == 2, str(c))
        t = configs_by_name(describe_configs(conn, TOPIC, "follows", synonyms=True))["retention.ms"]
        check(t["value"] == "3600000" and t["config_source"] == 2
              and t["synonyms"][0] == {"name": "log.retention.ms", "value": "3600000", "source": 2}, str(t))
        # The cluster-wide default resource ("") lists only what was set there.
        check(describe_configs(conn, BROKER, "")["configs"] == [], "no cluster defaults yet")
        # Broker loggers (type 8).
        loggers = configs_by_name(describe_configs(conn, 8, node))
        check(loggers["root"]["value"] == "INFO" and loggers["root"]["config_source"] == 6, str(loggers))


def test_kafka_log_dirs():
    with Broker() as broker, admin(broker) as conn:
        create_topic(conn, "sized", 2)
        produce(broker, "sized", 1, 3)
        conn.call("DescribeCluster", 1, {}, client_id="log-dirs-tool")
        resp = conn.call("DescribeLogDirs", 4, {"topics": None}, client_id="log-dirs-tool")
        check(resp["error_code"] == 0 and len(resp["results"]) == 1, str(resp))
        result = resp["results"][0]
        check(result["error_code"] == 0 and os.path.samefile(result["log_dir"], broker.data_dir), str(result))
        check(result["total_bytes"] > 0 and 0 < result["usable_bytes"] <= result["total_bytes"], str(result))
        sized = {p["partition_index"]: p for t in result["topics"] if t["name"] == "sized" for p in t["partitions"]}
        check(sorted(sized) == [0, 1], f"partitions {sorted(sized)}")
        check(sized[0]["partition_size"] == 0 and sized[1]["partition_size"] > 0, str(sized))
        check(all(p["offset_lag"] == 0 and not p["is_future_key"] for p in sized.values()), str(sized))
        only = conn.call("DescribeLogDirs", 4, {"topics": [{"topic": "sized", "partitions": [1]}]})
        listed = [(t["name"], p["partition_index"]) for t in only["results"][0]["topics"] for p in t["partitions"]]
        check(listed == [("sized", 1)], f"filtered: {listed}")


def test_kafka_delete_records_and_get_offsets():
    with Broker() as broker, admin(broker) as conn:
        create_topic(conn, "trimmed", 1)
        produce(broker, "trimmed", 0, 5)
        # kafka-get-offsets: Metadata(null) -> DescribeCluster -> DescribeTopicPartitions -> Metadata(t) -> ListOffsets
        conn.call("Metadata", 12, {"topics": None}, client_id="GetOffsetShell")
        conn.call("DescribeCluster", 1, {}, client_id="GetOffsetShell")
        conn.call("DescribeTopicPartitions", 0, {"topics": [{"name": "trimmed"}]}, client_id="GetOffsetShell")
        check(list_offset(conn, "trimmed", 0, -1) == 5 and list_offset(conn, "trimmed", 0, -2) == 0, "offsets")
        # kafka-delete-records: Metadata(t) -> DeleteRecords v2 {partition 0, offset 2}
        resp = conn.call("DeleteRecords", 2, {"topics": [{"name": "trimmed", "partitions": [
            {"partition_index": 0, "offset": 2}]}], "timeout_ms": 60000}, client_id=ADMIN)
        p = resp["topics"][0]["partitions"][0]
        check(p["error_code"] == 0 and p["low_watermark"] == 2, str(p))
        check(list_offset(conn, "trimmed", 0, -2) == 2, "earliest after DeleteRecords")
        error, _, _ = kw.fetch(conn, "trimmed", 0, 1)
        check(error == OFFSET_OUT_OF_RANGE, f"fetch below the log start: {error}")
        error, _, blob = kw.fetch(conn, "trimmed", 0, 2)
        check(error == 0 and blob, "fetch at the log start")
        # Beyond the high watermark: OFFSET_OUT_OF_RANGE; -1 means the high watermark.
        resp = conn.call("DeleteRecords", 2, {"topics": [{"name": "trimmed", "partitions": [
            {"partition_index": 0, "offset": 99}, {"partition_index": 7, "offset": 1}]}]})
        errors = [(p["error_code"], p["low_watermark"]) for p in resp["topics"][0]["partitions"]]
        check(errors == [(OFFSET_OUT_OF_RANGE, -1), (UNKNOWN_TOPIC, -1)], str(errors))
        resp = conn.call("DeleteRecords", 2, {"topics": [{"name": "trimmed", "partitions": [
            {"partition_index": 0, "offset": -1}]}]})
        check(resp["topics"][0]["partitions"][0]["low_watermark"] == 5, str(resp))


def test_kafka_leader_election():
    with Broker() as broker, admin(broker) as conn:
        create_topic(conn, "led", 2)
        resp = conn.call("ElectLeaders", 2, {"election_type": 0, "topic_partitions": None, "timeout_ms": 15000},
                         client_id=ADMIN)
        check(resp["error_code"] == 0 and resp["replica_election_results"] == [], f"--all-topic-partitions: {resp}")
        resp = conn.call("ElectLeaders", 2, {"election_type": 0, "topic_partitions": [
            {"topic": "led", "partitions": [0, 5]}]}, client_id=ADMIN)
        results = {p["partition_id"]: p["error_code"] for p in resp["replica_election_results"][0]["partition_result"]}
        check(results == {0: ELECTION_NOT_NEEDED, 5: UNKNOWN_TOPIC}, str(results))


if __name__ == "__main__":
    sys.exit(main(test_kafka_topics_describe, test_kafka_topics_alter_partitions, test_kafka_configs_topics,
                  test_kafka_configs_brokers, test_kafka_log_dirs, test_kafka_delete_records_and_get_offsets,
                  test_kafka_leader_election))
