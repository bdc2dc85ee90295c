#!/usr/bin/python3
"""Transactional producers of real clients against fjord: librdkafka (confluent_kafka)
commits and aborts, sends consumer offsets inside a transaction, and a second instance
with the same transactional.id fences the first; kafkajs commits, aborts and uses
sendOffsets. Every transaction is checked in the log (data batches followed by commit or
abort markers) and in the group's committed offsets."""
import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "harness"))
from broker import Broker  # noqa: E402
from testing import check, main, run, skip, wait_until  # noqa: E402
import kafka_wire as kw  # noqa: E402
import txn_producer as tp  # noqa: E402

ck = None


def broker():
    return Broker(overrides={"num.partitions": 1, "auto.create.topics.enable": "true"})


def log_summary(b, topic, partition=0):
    """[("data", [values]) | ("commit",) | ("abort",)] in log order."""
    out = []
    for batch in kw.read_all(b.host_port, topic, partition)[1]:
        if tp.is_control(batch):
            out.append(("commit",) if tp.control_type(batch) == tp.CONTROL_COMMIT else ("abort",))
        else:
            out.append(("data", [r["value"] for r in batch["records"]]))
    return out


def committed_values(summary):
    """The values of committed transactions, as a read_committed consumer would see them."""
    pending, out = [], []
    for entry in summary:
        if entry[0] == "data":
            pending += entry[1]
        else:
            if entry[0] == "commit":
                out += pending
            pending = []
    return out


def committed_offset(b, group, topic, partition=0):
    with kw.Connection(b.host_port) as conn:
        answer = conn.call("OffsetFetch", 7, {"GroupId": group, "RequireStable": True,
                                              "Topics": [{"Name": topic, "PartitionIndexes": [partition]}]})
        p = answer["Topics"][0]["Partitions"][0]
        return p["CommittedOffset"], p["ErrorCode"]


def rdkafka_producer(b, txn_id):
    return ck.Producer({"bootstrap.servers": b.bootstrap, "transactional.id": txn_id,
                        "transaction.timeout.ms": 30000, "linger.ms": 5})


def test_librdkafka_commit_and_abort():
    with broker() as b:
        p = rdkafka_producer(b, "rdk-tx")
        p.init_transactions(30)
        p.begin_transaction()
        for i in range(10):
            p.produce("rdk", value=f"commit-{i}".encode())
        p.commit_transaction(30)
        p.begin_transaction()
        for i in range(4):
            p.produce("rdk", value=f"abort-{i}".encode())
        p.flush(30)
        p.abort_transaction(30)
        p.begin_transaction()
        p.produce("rdk", value=b"last")
        # Offsets as a consume-transform-produce loop sends them.
        metadata = ck.ConsumerGroupMetadata("rdk-group") if hasattr(ck, "ConsumerGroupMetadata") else None
        if metadata is None:
            consumer = ck.Consumer({"bootstrap.servers": b.bootstrap, "group.id": "rdk-group"})
            metadata = consumer.consumer_group_metadata()
        p.send_offsets_to_transaction([ck.TopicPartition("rdk", 0, 11)], metadata, 30)
        p.commit_transaction(30)
        summary = wait_until(lambda: (lambda s: s if s and s[-1] == ("commit",) and len(s) >= 4 else None)(
            log_summary(b, "rdk")), 10, what="the last commit marker")
        markers = [e[0] for e in summary if e[0] != "data"]
        check(markers == ["commit", "abort", "commit"], f"markers {markers}")
        values = committed_values(summary)
        check(values == [f"commit-{i}".encode() for i in range(10)] + [b"last"], f"committed values {values}")
        check(committed_offset(b, "rdk-group", "rdk") == (11, 0), "offsets sent in the transaction are committed")


def consume_all(b, topic, isolation, expected_count, timeout=30.0):
    """Every value of `topic` partition 0 a consumer with `isolation` reads from the start."""
    c = ck.Consumer({"bootstrap.servers": b.bootstrap, "group.id": f"reader-{isolation}", "enable.auto.commit": False,
                     "auto.offset.reset": "earliest", "isolation.level": isolation})
    c.assign([ck.TopicPartition(topic, 0, 0)])
    values, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        for m in c.consume(100, 0.5):
            if m.error() is None:
                values.append(m.value())
        if len(values) >= expected_count:
            # Anything more would be a mistake: give it a moment to show up.
            values += [m.value() for m in c.consume(100, 1.0) if m.error() is None]
            break
    c.close()
    return values


def test_read_committed_sees_only_committed_records():
    with broker() as b:
        p = rdkafka_producer(b, "rdk-iso")
        p.init_transactions(30)
        for i, commit in enumerate([True, False, True, False]):
            p.begin_transaction()
            for j in range(3):
                p.produce("iso", value=f"t{i}-{j}".encode())
            p.flush(30)
            if commit:
                p.commit_transaction(30)
            else:
                p.abort_transaction(30)
        # An open transaction at the end: read_committed stops before it (the LSO).
        p.begin_transaction()
        p.produce("iso", value=b"open")
        p.flush(30)
        committed = [f"t{i}-{j}".encode() for i in (0, 2) for j in range(3)]
        everything = [f"t{i}-{j}".encode() for i in range(4) for j in range(3)] + [b"open"]
        got = consume_all(b, "iso", "read_committed", len(committed))
        check(got == committed, f"read_committed read {got}")
        got = consume_all(b, "iso", "read_uncommitted", len(everything))
        check(got == everything, f"read_uncommitted read {got}")
        p.commit_transaction(30)
        got = consume_all(b, "iso", "read_committed", len(committed) + 1)
        check(got == committed + [b"open"], f"read_committed after the last commit read {got}")


def test_librdkafka_second_instance_fences_the_first():
    with broker() as b:
        first = rdkafka_producer(b, "rdk-fence")
        first.init_transactions(30)
        first.begin_transaction()
        first.produce("fence", value=b"from-first")
        first.flush(30)
        second = rdkafka_producer(b, "rdk-fence")
        second.init_transactions(30)  # aborts the first one's transaction
        second.begin_transaction()
        second.produce("fence", value=b"from-second")
        second.commit_transaction(30)
        try:
            first.commit_transaction(10)
            fenced = False
        except ck.KafkaException as e:
            fenced = e.args[0].fatal() or "fenced" in str(e).lower()
        check(fenced, "the first producer was not fenced")
        values = committed_values(log_summary(b, "fence"))
        check(values == [b"from-second"], f"committed values {values}")


def test_kafkajs_transactions():
    node = shutil.which("node")
    node_dir = os.path.join(HERE, "node")
    if not node or not os.path.isdir(os.path.join(node_dir, "node_modules", "kafkajs")):
        print("kafkajs not installed: skipping its part")
        return
    with broker() as b, tempfile.NamedTemporaryFile(suffix=".json") as result:
        p = run([node, os.path.join(node_dir, "kafkajs_transactions.js"), b.bootstrap, result.name],
                timeout=120, check_rc=False)
        out = (p.stdout + p.stderr).decode(errors="replace")
        check(p.returncode == 0, f"kafkajs script exited {p.returncode}:\n{out[-3000:]}")
        done = json.load(open(result.name))
        summary = wait_until(lambda: (lambda s: s if [e for e in s if e[0] != "data"] == [("commit",), ("abort",),
                                                                                            ("commit",)] else None)(
            log_summary(b, "js-txn")), 10, what="three markers")
        values = [v.decode() for v in committed_values(summary)]
        check(values == done["committed"], f"committed {values}, expected {done['committed']}")
        check(committed_offset(b, "js-txn-group", "js-txn") == (42, 0), "sendOffsets committed offset 42")


if __name__ == "__main__":
    try:
        import confluent_kafka
        ck = confluent_kafka
    except ImportError:
        skip("confluent_kafka is not installed for /usr/bin/python3")
    sys.exit(main(test_librdkafka_commit_and_abort, test_read_committed_sees_only_committed_records,
                  test_librdkafka_second_instance_fences_the_first, test_kafkajs_transactions))
