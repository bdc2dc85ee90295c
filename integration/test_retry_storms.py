#!/usr/bin/python3
"""No retry storms. A request for an API fjord does not serve, or at a version it does not
serve, gets Kafka's answer (the connection is closed; ApiVersions answers with error 35 and
its range), and the broker logs one warning per API and minute, not a line per request.
Clients must not be crashed or looped by what fjord advertises: confluent-kafka's assign()
with a group.id and no explicit offset (librdkafka 2.0.2) reads from the committed offset
without spinning, and a kafka-python group member stays in one generation while idle."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))
from broker import Broker  # noqa: E402
from testing import check, main, require_module, wait_until  # noqa: E402
import compat  # noqa: E402
import kafka_wire as kw  # noqa: E402

# Kafka 3.9 API keys a client may send to a broker (SASL, ACLs, transactions, quotas,
# tokens, features, KIP-848 and telemetry); the test uses those fjord does not advertise.
CANDIDATE_KEYS = [17, 22, 24, 25, 26, 28, 29, 30, 31, 36, 38, 48, 50, 57, 61, 65, 66, 68, 71]
REQUESTS = 150


def advertised(broker):
    with kw.Connection(broker.host_port) as conn:
        error, ranges = kw.api_versions(conn)
    check(error == 0, f"ApiVersions error {error}")
    return ranges


def closed_without_answer(broker, api_key, version):
    with kw.Connection(broker.host_port, timeout=5) as conn:
        conn.send_raw(kw.frame(kw.request_header(api_key, version, 7) + b"\0" * 16))
        return conn.answers_or_closes(5) == "closed"


def test_unserved_apis_are_refused_with_one_log_line_each():
    with Broker() as broker:
        ranges = advertised(broker)
        unserved = [k for k in CANDIDATE_KEYS if k not in ranges][:4]
        check(unserved, "every candidate API is advertised: pick others")
        metadata_max = ranges[kw.API_METADATA][1]
        before = len(broker.output)
        for i in range(REQUESTS):
            for key in unserved:
                check(closed_without_answer(broker, key, 0), f"api key {key}: not closed")
            check(closed_without_answer(broker, kw.API_METADATA, metadata_max + 1),
                  f"Metadata v{metadata_max + 1}: not closed")
        # ApiVersions above its range: Kafka answers error 35 with the range, in the v0 layout.
        with kw.Connection(broker.host_port) as conn:
            error, versions = kw.parse_api_versions_v0(conn.request(kw.API_API_VERSIONS, 99, b""))
        check(error == 35 and kw.API_API_VERSIONS in versions, f"ApiVersions v99: {error} {versions}")
        with kw.Connection(broker.host_port) as conn:  # and it still serves
            check(kw.metadata(conn)["brokers"], "no broker in Metadata after the refusals")
        grown = broker.output[before:]
        refusals = [line for line in grown if "not served" in line or "unsupported" in line]
        print(f"{REQUESTS * (len(unserved) + 1)} refused requests, {len(grown)} log lines")
        # One warning per API (the throttle's period is a minute); a few unrelated lines may
        # come meanwhile, but nothing near a line per request.
        check(len(refusals) == len(unserved) + 1 and len(grown) <= len(refusals) + 5,
              f"{len(grown)} log lines for {REQUESTS} rounds of {len(unserved) + 1} refused requests:\n"
              + "\n".join(grown[:20]))


@compat.confluent_kafka().flow("assign-without-offset", describe="assign() with a group.id and no offset "
                                 "starts at the committed offsets; the broker's log stays quiet")
def test_confluent_kafka_assign_without_offset_reads_from_the_commit():
    ck = require_module("confluent_kafka")
    topic, group = "assign-no-offset", "assign-group"
    with Broker(overrides={"num.partitions": 2}) as broker:
        p = ck.Producer({"bootstrap.servers": broker.bootstrap, "acks": "all"})
        for i in range(100):
            p.produce(topic, value=b"%d" % i, partition=i % 2)
        check(p.flush(30) == 0, "producer did not flush")
        c = ck.Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group,
                         "enable.auto.commit": False})
        c.commit(offsets=[ck.TopicPartition(topic, 0, 30), ck.TopicPartition(topic, 1, 40)],
                 asynchronous=False)
        c.close()
        before = len(broker.output)
        c = ck.Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group,
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
        try:
            c.assign([ck.TopicPartition(topic, 0), ck.TopicPartition(topic, 1)])  # no offset
            got, deadline = {0: [], 1: []}, time.monotonic() + 30
            while len(got[0]) + len(got[1]) < 30 and time.monotonic() < deadline:
                m = c.poll(0.5)
                if m is not None and not m.error():
                    got[m.partition()].append(m.offset())
            check(got == {0: list(range(30, 50)), 1: list(range(40, 50))},
                  f"read from {({p: o[:1] for p, o in got.items()})}, committed 30 and 40")
            idle_until = time.monotonic() + 2  # idle at the end: a looping client fills the log
            while time.monotonic() < idle_until:
                check(c.poll(0.2) is None, "records after the end")
        finally:
            c.close()
        grown = broker.output[before:]
        check(len(grown) <= 5, f"the broker logged {len(grown)} lines:\n" + "\n".join(grown[:20]))


@compat.kafka_python().flow("no-rejoin-loop", describe="an idle group member keeps its generation "
                              "and assignment (no rejoin loop)")
def test_kafka_python_group_member_does_not_rejoin_in_a_loop():
    kafka = require_module("kafka")
    topic, group = "kp-idle", "kp-idle-group"
    with Broker(overrides={"num.partitions": 2, "auto.create.topics.enable": "true"}) as broker:
        producer = kafka.KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
        for i in range(10):
            producer.send(topic, value=b"%d" % i, partition=i % 2)
        producer.flush(30)
        producer.close(10)
        c = kafka.KafkaConsumer(topic, bootstrap_servers=broker.bootstrap, group_id=group,
                                auto_offset_reset="earliest", heartbeat_interval_ms=300,
                                session_timeout_ms=10000, api_version_auto_timeout_ms=10000)
        try:
            got = []
            wait_until(lambda: got.extend(r for rs in c.poll(timeout_ms=300).values() for r in rs)
                       or len(got) >= 10, 30, what="the member to read the 10 records")
            stabilized = lambda: [l for l in broker.output if f"group {group}: stabilized" in l]  # noqa: E731
            generations = len(stabilized())
            check(generations >= 1, "no 'group ...: stabilized' line: the log text changed?\n" + broker.log_tail())
            until = time.monotonic() + 4
            while time.monotonic() < until:  # idle polling, heartbeats every 300 ms
                c.poll(timeout_ms=200)
            check(len(stabilized()) == generations,
                  "the idle member rebalanced again:\n" + "\n".join(stabilized()))
            check(sorted(tp.partition for tp in c.assignment()) == [0, 1], f"assignment {c.assignment()}")
        finally:
            c.close()


if __name__ == "__main__":
    sys.exit(main(test_unserved_apis_are_refused_with_one_log_line_each,
                  test_confluent_kafka_assign_without_offset_reads_from_the_commit,
                  test_kafka_python_group_member_does_not_rejoin_in_a_loop))
