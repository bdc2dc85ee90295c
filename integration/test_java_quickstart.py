#!/usr/bin/python3
"""Kafka's quickstart through the Kafka 3.9 Java tools' request sequences
(shared/docs/java-clients.md §3.1-3.5), replayed at their versions from the bytes captured
from them (integration/java_golden/), on one broker: kafka-topics.sh --create (broker
defaults), --list, --describe, --delete; kafka-console-producer.sh with its default settings
(idempotent: InitProducerId, then Produce v11 with the producer id and sequences; a resent
batch is not written twice) and keyed with headers (Java's murmur2 partitioner);
kafka-console-consumer.sh --from-beginning --max-messages in group mode, twice, the second
run resuming at the first one's commits; and a transactional producer committing.
test_java_group_flows.py and test_admin_tools.py hold the rest of the tools' flows
(kafka-consumer-groups, kafka-configs, a rebalance); test_kafka_scripts.py runs the same
quickstart through a real Kafka's bin/ scripts when KAFKA_HOME is set."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))
from broker import Broker  # noqa: E402
from testing import check, main, wait_until  # noqa: E402
import compat  # noqa: E402
import java_replay as jr  # noqa: E402
import kafka_wire as kw  # noqa: E402

CLIENT = compat.java_tools()
ADMIN, PRODUCER = "adminclient-1", "console-producer"
TOPIC_ALREADY_EXISTS, UNKNOWN_TOPIC = 36, 3
SHARED = None  # the broker every flow here uses (started in __main__)
PARTITIONS = 3  # num.partitions: what --create without --partitions gets


def murmur2_partition(key, partitions):
    """Java's default partitioner for a keyed record: toPositive(murmur2(key)) % partitions."""
    m, h = 0x5BD1E995, (0x9747B28C ^ len(key)) & 0xFFFFFFFF
    for i in range(len(key) // 4):
        k = (int.from_bytes(key[4 * i:4 * i + 4], "little") * m) & 0xFFFFFFFF
        k = ((k ^ (k >> 24)) * m) & 0xFFFFFFFF
        h = ((h * m) & 0xFFFFFFFF) ^ k
    tail = key[len(key) & ~3:]
    if len(tail) == 3:
        h ^= tail[2] << 16
    if len(tail) >= 2:
        h ^= tail[1] << 8
    if tail:
        h = ((h ^ tail[0]) * m) & 0xFFFFFFFF
    h = ((h ^ (h >> 13)) * m) & 0xFFFFFFFF
    return ((h ^ (h >> 15)) & 0x7FFFFFFF) % partitions


def admin_tool():
    """An admin tool's connections: Metadata(Topics=[]) on the bootstrap one, then the
    real work on a second connection to the node it names."""
    with jr.connect(SHARED.host_port) as bootstrap:
        bootstrap.call("Metadata", 12, {"Topics": [], "AllowAutoTopicCreation": True,
                                        "IncludeTopicAuthorizedOperations": False}, client_id=ADMIN)
    return jr.connect(SHARED.host_port)


def topic_names(conn):
    answer = conn.call("Metadata", 12, {"Topics": None, "AllowAutoTopicCreation": True,
                                        "IncludeTopicAuthorizedOperations": False}, client_id=ADMIN)
    return sorted(t["Name"] for t in answer["Topics"])


def create_topic(name, partitions=-1):
    with admin_tool() as conn:
        answer = jr.send(conn, "CreateTopicsRequest_v7", lambda b: b["Topics"][0].update(
            Name=name, NumPartitions=partitions, ReplicationFactor=-1 if partitions < 0 else 1, Configs=[]))
    return answer["Topics"][0]


@CLIENT.flow("metadata", "admin-topics")
def test_kafka_topics_create_list_describe_delete():
    topic = "quickstart-events"
    # kafka-topics.sh --create --topic quickstart-events --bootstrap-server localhost:9092
    created = create_topic(topic)
    check(created["ErrorCode"] == 0 and created["NumPartitions"] == PARTITIONS
          and created["ReplicationFactor"] == 1, f"CreateTopics: {created}")
    again = create_topic(topic)
    check(again["ErrorCode"] == TOPIC_ALREADY_EXISTS, f"--create of an existing topic: {again['ErrorCode']}")
    with admin_tool() as conn:
        # --list
        check(topic in topic_names(conn), f"--list: {topic_names(conn)}")
        # --describe --topic quickstart-events
        node = conn.call("Metadata", 12, {"Topics": None}, client_id=ADMIN)["Brokers"][0]["NodeId"]
        cluster = jr.send(conn, "DescribeClusterRequest_v1")
        check(cluster["ErrorCode"] == 0 and cluster["ControllerId"] == node, f"DescribeCluster: {cluster}")
        described = jr.send(conn, "DescribeTopicPartitionsRequest_v0",
                            lambda b: b.update(Topics=[{"Name": topic}]))["Topics"][0]
        check(described["ErrorCode"] == 0 and described["TopicId"] == created["TopicId"], f"{described}")
        check([(p["PartitionIndex"], p["LeaderId"], p["IsrNodes"]) for p in described["Partitions"]]
              == [(i, node, [node]) for i in range(PARTITIONS)], f"partitions: {described['Partitions']}")
        configs = jr.send(conn, "DescribeConfigsRequest_v4",
                          lambda b: b["Resources"][0].update(ResourceName=topic))["Results"][0]
        check(configs["ErrorCode"] == 0 and configs["Configs"], f"DescribeConfigs: {configs['ErrorCode']}")
        reassignments = jr.send(conn, "ListPartitionReassignmentsRequest_v0", lambda b: b.update(
            Topics=[{"Name": topic, "PartitionIndexes": [2, 1, 0]}]))
        check(reassignments["ErrorCode"] == 0 and reassignments["Topics"] == [], f"{reassignments}")
        # --delete --topic quickstart-events
        deleted = jr.send(conn, "DeleteTopicsRequest_v6", lambda b: b["Topics"][0].update(Name=topic))
        check(deleted["Responses"][0]["ErrorCode"] == 0, f"DeleteTopics: {deleted['Responses']}")
        check(topic not in topic_names(conn), "--list still shows the deleted topic")
        missing = jr.metadata(conn, [topic], auto_create=False)[topic]
        check(missing[2] == UNKNOWN_TOPIC, f"Metadata of the deleted topic: error {missing[2]}")


class ConsoleProducer:
    """kafka-console-producer.sh with its default settings (enable.idempotence=true,
    acks=all, linger.ms=1000): InitProducerId on the bootstrap connection, then each
    partition's records in one batch of a Produce v11 on the leader connection.
    idempotent=False is `--producer-property enable.idempotence=false` (no InitProducerId,
    producer id -1); `codec` is `--compression-codec`."""

    def __init__(self, topic, transactional_id=None, idempotent=True, codec="none"):
        self.topic, self.sequences, self.codec = topic, {}, codec
        self.bootstrap = jr.connect(SHARED.host_port)
        # Auto-creation may answer LEADER_NOT_AVAILABLE first: the producer asks again.
        self.partitions = wait_until(lambda: jr.metadata(self.bootstrap, [topic])[topic][1], 10,
                                     what=f"partitions of {topic} in Metadata")
        self.transactional_id, self.producer_id, self.epoch = transactional_id, -1, -1
        self.leader = jr.connect(SHARED.host_port)
        if not idempotent:
            return
        coordinator = self.bootstrap
        if transactional_id:
            found = jr.send(self.bootstrap, "FindCoordinatorRequest_v6", lambda b: b.update(
                KeyType=1, CoordinatorKeys=[transactional_id]))["Coordinators"][0]
            check(found["ErrorCode"] == 0, f"FindCoordinator(transaction): {found}")
        as_transactional = (lambda b: b.update(TransactionalId=transactional_id, TransactionTimeoutMs=60000)) \
            if transactional_id else None  # the default producer's request goes out as captured
        answer = jr.send(coordinator, "InitProducerIdRequest_v5", as_transactional)
        check(answer["ErrorCode"] == 0 and answer["ProducerId"] >= 0, f"InitProducerId: {answer}")
        self.producer_id, self.epoch = answer["ProducerId"], answer["ProducerEpoch"]

    def close(self):
        self.bootstrap.close()
        self.leader.close()

    def batches(self, lines):
        """{partition: batch bytes} for (key, value, headers) lines; a keyless line goes
        to partition 0 (the sticky partitioner's choice does not matter here)."""
        by_partition = {}
        for key, value, headers in lines:
            p = murmur2_partition(key, len(self.partitions)) if key is not None else 0
            by_partition.setdefault(p, []).append((key, value, headers))
        out = {}
        for p, records in by_partition.items():
            sequence = self.sequences.get(p, 0) if self.producer_id >= 0 else -1
            out[p] = kw.producer_batch(records, self.producer_id, self.epoch, sequence,
                                       transactional=self.transactional_id is not None, codec=self.codec)
            self.sequences[p] = self.sequences.get(p, 0) + len(records)
        return out

    def produce(self, batches):
        """One Produce v11 (acks=-1, as the tool sends it): {partition: (error, base offset)}."""
        answer = jr.send(self.leader, "ProduceRequest_v11", lambda b: b.update(
            TransactionalId=self.transactional_id, TopicData=[{"Name": self.topic, "PartitionData": [
                {"Index": p, "Records": batch} for p, batch in sorted(batches.items())]}]))
        return {p["Index"]: (p["ErrorCode"], p["BaseOffset"])
                for t in answer["Responses"] for p in t["PartitionResponses"]}


def read_partition(topic, partition):
    records, _ = kw.read_all(SHARED.host_port, topic, partition)
    return [(r["key"], r["value"], r["headers"]) for r in records]


@CLIENT.flow("idempotent", "console-producer",
             describe="kafka-console-producer.sh with its default settings: InitProducerId v5, "
                      "Produce v11 with the producer id and sequence 0; the same batch resent "
                      "(a retry) is acknowledged at its first offset and not written twice")
def test_console_producer_default_settings():
    compat.require_apis(SHARED, compat.PRODUCER_ID_APIS)
    topic = "quickstart-producer"
    producer = ConsoleProducer(topic)
    try:
        lines = [(None, v, []) for v in (b"This is my first event", b"This is my second event")]
        batches = producer.batches(lines)
        first = producer.produce(batches)
        check(first == {0: (0, 0)}, f"Produce v11: {first}")
        retried = producer.produce(batches)
        check(retried == {0: (0, 0)}, f"the resent batch: {retried} (Kafka answers the first offset)")
        more = producer.produce(producer.batches([(None, b"This is my third event", [])]))
        check(more == {0: (0, 2)}, f"the next batch: {more}")
    finally:
        producer.close()
    check([v for _, v, _ in read_partition(topic, 0)] ==
          [b"This is my first event", b"This is my second event", b"This is my third event"],
          "the log does not hold each event once, in order")


def console_consumer(topic, group, max_messages):
    """kafka-console-consumer.sh --topic T --group G --from-beginning --max-messages N:
    joins, fetches from the committed offsets (earliest without), prints N records, commits
    "last printed + 1" (leader epoch -1) and leaves. Returns the printed records in order."""
    c = jr.ConsoleConsumer(SHARED.host_port, group, topic)
    try:
        check(c.join()["ErrorCode"] == 0 and c.sync()["ErrorCode"] == 0, "JoinGroup/SyncGroup")
        committed, earliest = c.committed(), c.earliest()
        positions = {p: committed[p][0] if committed[p][0] >= 0 else earliest[p] for p in c.assignment}
        printed = []
        for _ in range(50):
            if len(printed) >= max_messages:
                break
            for p, (error, _, records) in sorted(c.fetch(positions).items()):
                check(error == 0, f"Fetch {topic}/{p}: error {error}")
                for offset, value, _ in records:
                    if len(printed) < max_messages:
                        printed.append((p, offset, value))
                        positions[p] = offset + 1
        check(all(e == 0 for e in c.commit(positions).values()), "OffsetCommit")
        check(c.leave()[0] == 0, "LeaveGroup")
        return printed
    finally:
        c.close()


@CLIENT.flow("console-consumer",
             describe="kafka-console-consumer.sh --group G --from-beginning --max-messages N twice: "
                      "the second run resumes at the first one's commits; together they print "
                      "every record once, in order per partition")
def test_console_consumer_max_messages_in_a_group_resumes():
    topic, group = "quickstart-consume", "quickstart-consume-group"
    producer = ConsoleProducer(topic, idempotent=False)
    try:
        lines = [(None, b"event %d" % i, []) for i in range(30)]
        batches = {p: kw.producer_batch(lines[p::PARTITIONS]) for p in range(PARTITIONS)}
        check(all(e == 0 for e, _ in producer.produce(batches).values()), "Produce v11")
    finally:
        producer.close()
    first = console_consumer(topic, group, 12)
    second = console_consumer(topic, group, 18)
    printed = first + second
    check(len({(p, o) for p, o, _ in printed}) == 30, f"printed {len(first)} + {len(second)}, not 30 distinct")
    for p in range(PARTITIONS):
        check([v for q, _, v in printed if q == p] == [v for _, v, _ in lines[p::PARTITIONS]],
              f"partition {p} printed out of order, or not all of it")


@CLIENT.flow("codecs", "large-message")
def test_console_producer_codecs_and_a_1_mib_message():
    # --compression-codec gzip|snappy|lz4|zstd, and a 1 MiB line with
    # --producer-property max.request.size=2097152 (these run without idempotence, which
    # the idempotent flows cover); read back with the console consumer (Fetch v17).
    big = bytes(97 + (i * 7) % 26 for i in range(1 << 20))
    for codec in ("gzip", "snappy", "lz4", "zstd", "none"):
        topic = f"quickstart-{codec}"
        values = [b"line %d " % i + b"compressible text " * (i % 30) for i in range(200)]
        if codec == "none":
            values = [b"before", big, b"after"]
        producer = ConsoleProducer(topic, idempotent=False, codec=codec)
        try:
            answer = producer.produce({0: kw.producer_batch([(None, v, []) for v in values], codec=codec)})
            check(answer == {0: (0, 0)}, f"{codec}: Produce v11 {answer}")
        finally:
            producer.close()
        _, batches = kw.read_all(SHARED.host_port, topic)
        check({b["codec"] for b in batches} == {codec}, f"{codec}: stored as {[b['codec'] for b in batches]}")
        printed = console_consumer(topic, f"read-{codec}", len(values))
        check([v for _, _, v in printed] == values, f"{codec}: printed {len(printed)} of {len(values)}, or other bytes")


@CLIENT.flow("keyed-order", "headers")
def test_console_producer_keyed_with_headers():
    compat.require_apis(SHARED, compat.PRODUCER_ID_APIS)
    topic, group = "quickstart-keyed", "quickstart-group"
    # kafka-console-producer.sh --topic quickstart-keyed --property parse.key=true
    #   --property key.separator=: --property parse.headers=true
    lines = [(f"user-{i % 7}".encode(), f"event {i}".encode(), [("source", b"quickstart"), ("n", b"%d" % i)])
             for i in range(60)]
    producer = ConsoleProducer(topic)
    try:
        answer = producer.produce(producer.batches(lines))
        check(all(error == 0 for error, _ in answer.values()), f"Produce v11: {answer}")
    finally:
        producer.close()
    for p in range(PARTITIONS):
        expected = [line for line in lines if murmur2_partition(line[0], PARTITIONS) == p]
        got = [(k, v, h) for k, v, h in read_partition(topic, p)]
        check(got == expected, f"partition {p}: {len(got)} records, expected {len(expected)} in produce order")
    printed = console_consumer(topic, group, 60)
    for p in range(PARTITIONS):
        check([v for q, _, v in printed if q == p] ==
              [v for k, v, _ in lines if murmur2_partition(k, PARTITIONS) == p], f"partition {p} printed otherwise")


@CLIENT.flow("transactional")
def test_transactional_producer_commits():
    # What a transactional Java producer sends (java-clients.md §3.10): FindCoordinator
    # (transaction), InitProducerId with the id, AddPartitionsToTxn v3, Produce v11, EndTxn v4.
    compat.require_apis(SHARED, compat.TRANSACTION_APIS)
    topic, txn = "quickstart-txn", "quickstart-tx"
    producer = ConsoleProducer(topic, transactional_id=txn)
    try:
        added = jr.send(producer.bootstrap, "AddPartitionsToTxnRequest_v3", lambda b: b.update(
            V3AndBelowTransactionalId=txn, V3AndBelowProducerId=producer.producer_id,
            V3AndBelowProducerEpoch=producer.epoch, V3AndBelowTopics=[{"Name": topic, "Partitions": [0]}]))
        errors = [p["PartitionErrorCode"] for t in added["ResultsByTopicV3AndBelow"] for p in t["ResultsByPartition"]]
        check(errors == [0], f"AddPartitionsToTxn: {added}")
        answer = producer.produce({0: kw.producer_batch([(None, b"tx-%d" % i, []) for i in range(10)],
                                                        producer.producer_id, producer.epoch, 0,
                                                        transactional=True)})
        check(answer == {0: (0, 0)}, f"Produce v11 in the transaction: {answer}")
        ended = jr.send(producer.bootstrap, "EndTxnRequest_v4", lambda b: b.update(
            TransactionalId=txn, ProducerId=producer.producer_id, ProducerEpoch=producer.epoch, Committed=True))
        check(ended["ErrorCode"] == 0, f"EndTxn: {ended}")
    finally:
        producer.close()
    batches = compat.await_markers(SHARED, topic, 1)
    data = [r["value"] for b in batches if not b["attributes"] & 0x20 for r in b["records"]]
    check(data == [b"tx-%d" % i for i in range(10)], f"the committed records: {data}")
    check(batches[-1]["attributes"] & 0x20, "no commit marker after the transaction")


if __name__ == "__main__":
    with Broker(overrides={"num.partitions": PARTITIONS, "auto.create.topics.enable": "true",
                           "offsets.topic.num.partitions": 1, "message.max.bytes": 2 << 20}) as SHARED:
        code = main(test_kafka_topics_create_list_describe_delete, test_console_consumer_max_messages_in_a_group_resumes,
                    test_console_producer_codecs_and_a_1_mib_message, test_console_producer_default_settings,
                    test_console_producer_keyed_with_headers, test_transactional_producer_commits)
    sys.exit(code)
