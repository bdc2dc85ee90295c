#!/usr/bin/python3
"""Kafka's quickstart through a real Kafka installation's bin/kafka-*.sh scripts, when
KAFKA_HOME names one (skipped otherwise; it needs Java). The command lines are those of
Kafka's quickstart, with fjord's listener as --bootstrap-server. test_java_quickstart.py
replays the same tools' requests without Java."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))
from broker import Broker  # noqa: E402
from testing import check, main, run, skip  # noqa: E402
import compat  # noqa: E402

KAFKA_HOME = os.environ.get("KAFKA_HOME")
if not KAFKA_HOME or not os.access(os.path.join(KAFKA_HOME, "bin", "kafka-topics.sh"), os.X_OK):
    skip("KAFKA_HOME does not name a Kafka installation (bin/kafka-topics.sh): "
         "the quickstart through Kafka's own scripts needs one, and Java")
TOPIC, GROUP = "quickstart-events", "quickstart-group"
SHARED = None  # started in __main__


def kafka(script, *args, input=None):
    """bin/<script> args... --bootstrap-server <fjord> (the quickstart's order): its stdout."""
    p = run([os.path.join(KAFKA_HOME, "bin", script), *args, "--bootstrap-server", SHARED.bootstrap],
            timeout=90, input=input)
    return p.stdout.decode()


def version():
    p = run([os.path.join(KAFKA_HOME, "bin", "kafka-topics.sh"), "--version"], timeout=60)
    return p.stdout.decode().split()[0]


CLIENT = compat.kafka_scripts(version())


@CLIENT.flow("metadata", "admin-topics")
def test_kafka_topics():
    # bin/kafka-topics.sh --create --topic quickstart-events --bootstrap-server localhost:9092
    out = kafka("kafka-topics.sh", "--create", "--topic", TOPIC)
    check(f"Created topic {TOPIC}." in out, f"--create printed: {out}")
    check(TOPIC in kafka("kafka-topics.sh", "--list").split(), "--list does not show the topic")
    # bin/kafka-topics.sh --describe --topic quickstart-events --bootstrap-server localhost:9092
    out = kafka("kafka-topics.sh", "--describe", "--topic", TOPIC)
    check(f"Topic: {TOPIC}" in out and "Leader:" in out, f"--describe printed: {out}")
    kafka("kafka-topics.sh", "--create", "--topic", "quickstart-doomed")
    kafka("kafka-topics.sh", "--delete", "--topic", "quickstart-doomed")
    check("quickstart-doomed" not in kafka("kafka-topics.sh", "--list").split(), "--delete left the topic")


@CLIENT.flow("idempotent", "commit-resume")
def test_console_producer_and_consumer_in_a_group():
    # bin/kafka-console-producer.sh --topic quickstart-events --bootstrap-server localhost:9092
    # (default settings: an idempotent producer), then the consumer of the quickstart in a group.
    kafka("kafka-console-producer.sh", "--topic", TOPIC,
          input=b"This is my first event\nThis is my second event\n")
    # bin/kafka-console-consumer.sh --topic quickstart-events --from-beginning --bootstrap-server localhost:9092
    # (with --max-messages so that it ends)
    out = kafka("kafka-console-consumer.sh", "--topic", TOPIC, "--from-beginning", "--max-messages", "2",
                "--timeout-ms", "30000").splitlines()
    check(out == ["This is my first event", "This is my second event"], f"the consumer printed {out}")
    consume = ["--topic", TOPIC, "--from-beginning", "--group", GROUP, "--timeout-ms", "30000"]
    first = kafka("kafka-console-consumer.sh", *consume, "--max-messages", "1").splitlines()
    check(first == ["This is my first event"], f"first run printed {first}")
    second = kafka("kafka-console-consumer.sh", *consume, "--max-messages", "1").splitlines()
    check(second == ["This is my second event"], f"the second run did not resume: {second}")
    out = kafka("kafka-consumer-groups.sh", "--describe", "--group", GROUP)
    # GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID
    rows = [line.split()[1:6] for line in out.splitlines() if line.startswith(GROUP)]
    check(rows == [[TOPIC, "0", "2", "2", "0"]], f"kafka-consumer-groups.sh --describe printed: {out}")
    check(GROUP in kafka("kafka-consumer-groups.sh", "--list").split(), "--list does not show the group")


@CLIENT.flow("keyed-order")
def test_keyed_console_producer():
    kafka("kafka-topics.sh", "--create", "--topic", "quickstart-keyed", "--partitions", "1")
    lines = "".join(f"user-{i % 3}:event {i}\n" for i in range(20))
    kafka("kafka-console-producer.sh", "--topic", "quickstart-keyed", "--property", "parse.key=true",
          "--property", "key.separator=:", input=lines.encode())
    out = kafka("kafka-console-consumer.sh", "--topic", "quickstart-keyed", "--from-beginning",
                "--max-messages", "20", "--timeout-ms", "30000",
                "--property", "print.key=true", "--property", "key.separator=:")
    check(out == lines, f"read back:\n{out}")


@CLIENT.flow("admin-configs")
def test_kafka_configs():
    kafka("kafka-configs.sh", "--entity-type", "topics", "--entity-name", TOPIC,
          "--alter", "--add-config", "retention.ms=86400000")
    out = kafka("kafka-configs.sh", "--entity-type", "topics", "--entity-name", TOPIC, "--describe")
    check("retention.ms=86400000" in out, f"--describe printed: {out}")


if __name__ == "__main__":
    with Broker(overrides={"num.partitions": 1}) as SHARED:  # Kafka's config/server.properties has 1
        code = main(test_kafka_topics, test_console_producer_and_consumer_in_a_group,
                    test_keyed_console_producer, test_kafka_configs)
    sys.exit(code)
