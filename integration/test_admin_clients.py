#!/usr/bin/python3
"""Admin APIs through real clients, each change checked for its effect: confluent-kafka's
AdminClient (Python), librdkafka's C admin API (integration/clients, scenario
admin-configs) and kafkajs' admin (integration/node/kafkajs_admin.js). A client that is
not installed is reported and skipped; the others still run."""
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "harness"))
from broker import Broker  # noqa: E402
from testing import check, main, run, wait_until  # noqa: E402
import compat  # noqa: E402
import kafka_wire as kw  # noqa: E402

RETENTION_CHECK = {"log.retention.check.interval.ms": "300"}


def skipped(reason):
    print(f"  skipped: {reason}")


@compat.confluent_kafka().flow("admin-configs")
def test_confluent_kafka_admin():
    try:
        from confluent_kafka import KafkaException, Producer
        from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic
    except ImportError:
        return skipped("confluent_kafka is not installed for /usr/bin/python3")
    with Broker(overrides=RETENTION_CHECK) as broker:
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        for f in admin.create_topics([NewTopic("py-admin", 1, 1, config={"segment.bytes": "300"})]).values():
            f.result(15)
        resource = ConfigResource("topic", "py-admin")
        configs = admin.describe_configs([resource])[resource].result(15)
        check(configs["segment.bytes"].value == "300" and configs["segment.bytes"].source == 1,
              f"segment.bytes: {configs['segment.bytes']}")
        check(configs["retention.ms"].value == "604800000" and configs["retention.ms"].source == 5,
              f"retention.ms: {configs['retention.ms']}")

        producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 0,
                             "message.send.max.retries": 0})
        outcomes = []

        def send(value, partition=0):
            outcomes.clear()
            producer.produce("py-admin", value, partition=partition,
                             on_delivery=lambda err, msg: outcomes.append(err))
            producer.flush(15)
            check(len(outcomes) == 1, "no delivery report")
            return outcomes[0]

        for _ in range(12):
            check(send(b"p" * 100) is None, "produce")
        # alter_configs is the legacy AlterConfigs: the whole set of overrides.
        new = ConfigResource("topic", "py-admin", set_config={"segment.bytes": "300", "retention.ms": "100",
                                                               "max.message.bytes": "400"})
        admin.alter_configs([new])[new].result(15)
        configs = admin.describe_configs([resource])[resource].result(15)
        check(configs["retention.ms"].value == "100" and configs["max.message.bytes"].value == "400",
              "altered values")
        err = send(b"q" * 1000)
        check(err is not None and err.code() == 10, f"1000 bytes over max.message.bytes=400: {err}")
        check(send(b"small") is None, "a small message fits")
        with kw.Connection(broker.host_port) as conn:
            wait_until(lambda: kw.list_offsets(conn, "py-admin", 0, -2)[2] > 0, 10,
                       what="retention to delete old segments")

        for f in admin.create_partitions([NewPartitions("py-admin", 3)]).values():
            f.result(15)
        wait_until(lambda: len(producer.list_topics("py-admin", 10).topics["py-admin"].partitions) == 3, 10,
                   what="3 partitions")
        check(send(b"new", partition=2) is None, "produce to a new partition")
        try:
            for f in admin.create_partitions([NewPartitions("py-admin", 2)]).values():
                f.result(15)
            check(False, "shrinking was accepted")
        except KafkaException as e:
            check(e.args[0].code() == 37, f"INVALID_PARTITIONS: {e}")
        bad = ConfigResource("topic", "py-admin", set_config={"retention.ms": "-7"})
        try:
            admin.alter_configs([bad])[bad].result(15)
            check(False, "an invalid value was accepted")
        except KafkaException as e:
            check(e.args[0].code() == 40, f"INVALID_CONFIG: {e}")

        node = ConfigResource("broker", str(broker_node_id(broker)))
        brokers = admin.describe_configs([node])[node].result(15)
        check(brokers["log.dirs"].is_read_only and brokers["log.retention.hours"].value == "168",
              "broker configs")
        cluster = admin.list_topics(timeout=10)
        check(list(cluster.brokers) == [broker_node_id(broker)] and "py-admin" in cluster.topics, "cluster")


def broker_node_id(broker):
    with kw.Connection(broker.host_port) as conn:
        return kw.metadata(conn)["brokers"][0]["node_id"]


@compat.librdkafka().flow("admin-configs")
def test_librdkafka_admin():
    client = os.environ.get("FJORD_RDKAFKA_CLIENT", "")
    if not client or not os.access(client, os.X_OK):
        return skipped("librdkafka C++ client not built (needs librdkafka-dev)")
    with Broker(overrides=RETENTION_CHECK) as broker:
        p = run([client, broker.bootstrap, "admin-configs"], timeout=180, check_rc=False)
        print(p.stdout.decode(errors="replace"), end="")
        check(p.returncode == 0, "rdkafka_client admin-configs failed:\n" + p.stderr.decode(errors="replace")[-3000:])


@compat.kafkajs().flow("admin-configs")
def test_kafkajs_admin():
    node_dir = os.path.join(HERE, "node")
    if not os.path.isdir(os.path.join(node_dir, "node_modules", "kafkajs")):
        return skipped("kafkajs is not installed: run 'npm ci' in integration/node")
    with Broker() as broker, tempfile.NamedTemporaryFile(suffix=".json") as out:
        p = run(["node", os.path.join(node_dir, "kafkajs_admin.js"), broker.bootstrap, out.name], timeout=120,
                check_rc=False)
        check(p.returncode == 0, "kafkajs_admin.js failed:\n" + (p.stdout + p.stderr).decode(errors="replace")[-3000:])
        seen = json.load(open(out.name))
        check(seen["before"]["retention.ms"]["value"] == "604800000" and seen["before"]["retention.ms"]["isDefault"],
              f"before: {seen['before']}")
        check(seen["after"]["max.message.bytes"] == {"value": "300", "isDefault": False, "source": 1,
                                                      "readOnly": False}, f"after: {seen['after']}")
        check(seen["after"]["retention.ms"]["value"] == "86400000", f"after: {seen['after']}")
        check(seen["bigSend"] == "MESSAGE_TOO_LARGE" and seen["smallSend"] is None, f"sends: {seen}")
        check(seen["partitions"] == 3 and seen["newPartitionOffset"] == "0", f"createPartitions: {seen}")
        check(seen["partition0"]["low"] == "4" and seen["partition0"]["high"] == "11", f"{seen['partition0']}")
        check(seen["unknownConfig"] == "INVALID_CONFIG", f"unknown config: {seen['unknownConfig']}")
        check(seen["fewerPartitions"] == "INVALID_PARTITIONS", f"fewer partitions: {seen['fewerPartitions']}")
        with kw.Connection(broker.host_port) as conn:
            check(kw.list_offsets(conn, "js-admin", 0, -2)[2] == 4, "log start seen on the wire")


if __name__ == "__main__":
    sys.exit(main(test_confluent_kafka_admin, test_librdkafka_admin, test_kafkajs_admin))
