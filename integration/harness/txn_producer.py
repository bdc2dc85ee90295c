"""A transactional producer spoken in raw protocol, as Kafka 3.9's Java producer does it
(/work/shared/docs/java-clients.md 3.9-3.10): InitProducerId with a transactional id,
AddPartitionsToTxn v3, Produce v11 of transactional batches, AddOffsetsToTxn,
TxnOffsetCommit, EndTxn. The captured Java requests are replayed with the fields that
must differ (producer id and epoch, topics) changed."""
import struct

import java_replay as jr
import kafka_wire as kw

CLIENT = "perf-producer-client"
CONTROL_ABORT, CONTROL_COMMIT = 0, 1


def transactional_batch(values, producer_id, epoch, base_sequence, timestamp=0):
    """An uncompressed magic-2 batch with the transactional bit (attributes bit 4)."""
    records = b""
    for i, v in enumerate(values):
        body = kw.i8(0) + kw.varint(0) + kw.varint(i) + kw.varint(-1) + kw.varint(len(v)) + v + kw.varint(0)
        records += kw.varint(len(body)) + body
    after_crc = (kw.i16(0x10) + kw.i32(len(values) - 1) + kw.i64(timestamp) + kw.i64(timestamp)
                 + kw.i64(producer_id) + kw.i16(epoch) + kw.i32(base_sequence) + kw.i32(len(values))
                 + records)
    return (kw.i64(0) + kw.i32(4 + 1 + 4 + len(after_crc)) + kw.i32(-1) + kw.i8(2)
            + struct.pack(">I", kw.crc32c(after_crc)) + after_crc)


def control_type(batch):
    """COMMIT (1) or ABORT (0) for a control batch read back with kw.parse_batches."""
    key = batch["records"][0]["key"]
    return struct.unpack(">hh", key)[1]


def is_control(batch):
    return bool(batch["attributes"] & 0x20)


def is_transactional(batch):
    return bool(batch["attributes"] & 0x10)


class TxnProducer:
    """One transactional id on one connection (the coordinator's, on one node)."""

    def __init__(self, host_port, transactional_id, timeout_ms=60000):
        self.id = transactional_id
        self.timeout_ms = timeout_ms
        self.conn = jr.connect(host_port)
        self.producer_id, self.epoch = -1, -1
        self.sequences = {}

    def close(self):
        self.conn.close()

    def find_coordinator(self):
        answer = jr.send(self.conn, "FindCoordinatorRequest_v6",
                         lambda b: b.update(KeyType=1, CoordinatorKeys=[self.id]))
        return answer["Coordinators"][0]

    def init(self):
        """InitProducerId v5; returns the error (and keeps the id and epoch on success)."""
        answer = jr.send(self.conn, "InitProducerIdRequest_v5", lambda b: b.update(
            TransactionalId=self.id, TransactionTimeoutMs=self.timeout_ms))
        if answer["ErrorCode"] == 0:
            self.producer_id, self.epoch = answer["ProducerId"], answer["ProducerEpoch"]
            self.sequences = {}
        return answer["ErrorCode"]

    def add_partitions(self, topic, partitions, epoch=None):
        """AddPartitionsToTxn v3: {partition: error}."""
        answer = jr.send(self.conn, "AddPartitionsToTxnRequest_v3", lambda b: b.update(
            V3AndBelowTransactionalId=self.id, V3AndBelowProducerId=self.producer_id,
            V3AndBelowProducerEpoch=self.epoch if epoch is None else epoch,
            V3AndBelowTopics=[{"Name": topic, "Partitions": list(partitions)}]))
        return {p["PartitionIndex"]: p["PartitionErrorCode"]
                for t in answer["ResultsByTopicV3AndBelow"] for p in t["ResultsByPartition"]}

    def produce(self, conn, topic, partition, values):
        """Produce v11 (TransactionalId set) of one transactional batch: (error, base offset)."""
        seq = self.sequences.get((topic, partition), 0)
        batch = transactional_batch(values, self.producer_id, self.epoch, seq)
        answer = conn.call("Produce", 11, {
            "TransactionalId": self.id, "Acks": -1, "TimeoutMs": 30000,
            "TopicData": [{"Name": topic, "PartitionData": [{"Index": partition, "Records": batch}]}]},
            client_id=CLIENT)
        p = answer["Responses"][0]["PartitionResponses"][0]
        if p["ErrorCode"] == 0:
            self.sequences[(topic, partition)] = seq + len(values)
        return p["ErrorCode"], p["BaseOffset"]

    def add_offsets(self, group):
        answer = jr.send(self.conn, "AddOffsetsToTxnRequest_v4", lambda b: b.update(
            TransactionalId=self.id, ProducerId=self.producer_id, ProducerEpoch=self.epoch, GroupId=group))
        return answer["ErrorCode"]

    def commit_offsets(self, group, topic, offsets, epoch=None):
        """TxnOffsetCommit v4 outside group management: {partition: error}."""
        answer = jr.send(self.conn, "TxnOffsetCommitRequest_v4", lambda b: b.update(
            TransactionalId=self.id, GroupId=group, ProducerId=self.producer_id,
            ProducerEpoch=self.epoch if epoch is None else epoch, GenerationId=-1, MemberId="",
            Topics=[{"Name": topic, "Partitions": [
                {"PartitionIndex": p, "CommittedOffset": o, "CommittedLeaderEpoch": -1, "CommittedMetadata": ""}
                for p, o in offsets.items()]}]))
        return {p["PartitionIndex"]: p["ErrorCode"] for t in answer["Topics"] for p in t["Partitions"]}

    def end(self, commit, epoch=None, transactional_id=None):
        answer = jr.send(self.conn, "EndTxnRequest_v4", lambda b: b.update(
            TransactionalId=self.id if transactional_id is None else transactional_id,
            ProducerId=self.producer_id, ProducerEpoch=self.epoch if epoch is None else epoch,
            Committed=commit))
        return answer["ErrorCode"]


def describe(conn, transactional_ids):
    """DescribeTransactions v0 as kafka-transactions.sh describe sends it: {id: state dict}."""
    answer = jr.send(conn, "DescribeTransactionsRequest_v0", lambda b: b.update(TransactionalIds=transactional_ids))
    return {s["TransactionalId"]: s for s in answer["TransactionStates"]}


def list_transactions(conn, states=()):
    """ListTransactions v1 as kafka-transactions.sh list sends it: {id: (producer id, state)}."""
    edit = (lambda b: b.update(StateFilters=list(states))) if states else None
    answer = jr.send(conn, "ListTransactionsRequest_v1", edit)
    if answer["ErrorCode"] != 0:
        raise AssertionError(f"ListTransactions: error {answer['ErrorCode']}")
    return {t["TransactionalId"]: (t["ProducerId"], t["TransactionState"]) for t in answer["TransactionStates"]}
