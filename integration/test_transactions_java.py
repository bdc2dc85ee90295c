#!/usr/bin/python3
"""Kafka 3.9's Java transactional producer and kafka-transactions.sh, replayed request by
request from the captured requests (integration/java_golden/; /work/shared/docs/java-clients.md
3.9, 3.10, 3.12): FindCoordinator (transaction), InitProducerId "tx1", AddPartitionsToTxn,
transactional Produce, EndTxn commit and abort, AddOffsetsToTxn + TxnOffsetCommit, and
`kafka-transactions.sh list` / `describe`. Each step checks the answer and what the log then
holds (data batches, commit/abort markers). Bad input: EndTxn for an unknown transactional
id, AddPartitionsToTxn with a wrong epoch, TxnOffsetCommit outside a transaction, an empty or
too long transactional id, a stale epoch fenced by a new producer, a transaction that times out."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))
from broker import Broker, DataDir  # noqa: E402
from testing import check, main, wait_until  # noqa: E402
import java_replay as jr  # noqa: E402
import kafka_wire as kw  # noqa: E402
import txn_producer as tp  # noqa: E402

TOPIC = "perf"  # the topic the captured requests name
INVALID_REQUEST, INVALID_TXN_STATE, INVALID_PRODUCER_ID_MAPPING = 42, 48, 49
CONCURRENT_TRANSACTIONS, PRODUCER_FENCED, INVALID_PRODUCER_EPOCH = 51, 90, 47
UNSTABLE_OFFSET_COMMIT = 88


def broker(data_dir=None, **extra):
    overrides = {"num.partitions": 3, "auto.create.topics.enable": "true"}
    overrides.update(extra)
    return Broker(data_dir=data_dir, overrides=overrides)


def wait_state(admin, txn_id, state, timeout=10.0):
    return wait_until(lambda: tp.describe(admin, [txn_id])[txn_id]["TransactionState"] == state,
                      timeout, what=f"{txn_id} to reach {state}")


def log_batches(b, partition):
    return kw.read_all(b.host_port, TOPIC, partition)[1]


def test_java_transactional_producer_flow():
    with broker() as b:
        admin = jr.connect(b.host_port)
        jr.metadata(admin, [TOPIC])  # auto-creates it
        leader = jr.connect(b.host_port)
        p = tp.TxnProducer(b.host_port, "tx1")
        coord = p.find_coordinator()
        check(coord["ErrorCode"] == 0 and coord["Port"] == b.port, f"FindCoordinator(tx1): {coord}")
        check(p.init() == 0, "InitProducerId tx1")
        check(p.producer_id >= 0 and p.epoch == 0, f"producer {p.producer_id} epoch {p.epoch}")

        # Transaction 1: two batches to perf/2, committed.
        check(p.add_partitions(TOPIC, [2]) == {2: 0}, "AddPartitionsToTxn perf/2")
        state = tp.describe(admin, ["tx1"])["tx1"]
        check(state["ErrorCode"] == 0 and state["TransactionState"] == "Ongoing", f"describe: {state}")
        check(state["Topics"] == [{"Topic": TOPIC, "Partitions": [2]}], f"describe partitions: {state['Topics']}")
        check(state["TransactionTimeoutMs"] == 60000 and state["ProducerId"] == p.producer_id, f"{state}")
        for values in ([b"a", b"b"], [b"c"]):
            error, _ = p.produce(leader, TOPIC, 2, values)
            check(error == 0, f"transactional Produce: error {error}")
        listed = tp.list_transactions(admin)
        check(listed.get("tx1") == (p.producer_id, "Ongoing"), f"list: {listed}")
        check(p.end(True) == 0, "EndTxn commit")
        wait_state(admin, "tx1", "CompleteCommit")

        # Transaction 2: aborted.
        check(p.add_partitions(TOPIC, [2]) == {2: 0}, "AddPartitionsToTxn again")
        check(p.produce(leader, TOPIC, 2, [b"dropped"])[0] == 0, "Produce in transaction 2")
        check(p.end(False) == 0, "EndTxn abort")
        wait_state(admin, "tx1", "CompleteAbort")
        listed = tp.list_transactions(admin, ["CompleteAbort"])
        check(listed == {"tx1": (p.producer_id, "CompleteAbort")}, f"list CompleteAbort: {listed}")

        # perf/2: data, data, COMMIT, data, ABORT; every batch of the producer.
        batches = log_batches(b, 2)
        kinds = [("control", tp.control_type(x)) if tp.is_control(x) else ("data", len(x["records"]))
                 for x in batches]
        check(kinds == [("data", 2), ("data", 1), ("control", tp.CONTROL_COMMIT), ("data", 1),
                        ("control", tp.CONTROL_ABORT)], f"perf/2 holds {kinds}")
        check(all(x["producer_id"] == p.producer_id and tp.is_transactional(x) for x in batches),
              "every batch is the producer's and transactional")
        for conn in (admin, leader):
            conn.close()
        p.close()


def test_consume_transform_produce_offsets():
    with broker() as b:
        admin = jr.connect(b.host_port)
        jr.metadata(admin, [TOPIC])
        p = tp.TxnProducer(b.host_port, "tx-copier")
        check(p.init() == 0, "InitProducerId tx-copier")
        check(p.add_partitions(TOPIC, [0]) == {0: 0}, "AddPartitionsToTxn")
        check(p.add_offsets("CGTX") == 0, "AddOffsetsToTxn")
        check(p.commit_offsets("CGTX", TOPIC, {0: 5, 1: 7}) == {0: 0, 1: 0}, "TxnOffsetCommit")
        answer = admin.call("OffsetFetch", 7, {"GroupId": "CGTX", "Topics": [{"Name": TOPIC, "PartitionIndexes": [0]}],
                                               "RequireStable": True})
        part = answer["Topics"][0]["Partitions"][0]
        check(part["ErrorCode"] == UNSTABLE_OFFSET_COMMIT, f"require_stable while pending: {part}")
        check(p.end(True) == 0, "EndTxn commit")
        wait_state(admin, "tx-copier", "CompleteCommit")
        answer = admin.call("OffsetFetch", 7, {"GroupId": "CGTX", "Topics": [{"Name": TOPIC, "PartitionIndexes": [0, 1]}],
                                               "RequireStable": True})
        got = {x["PartitionIndex"]: (x["CommittedOffset"], x["ErrorCode"]) for x in answer["Topics"][0]["Partitions"]}
        check(got == {0: (5, 0), 1: (7, 0)}, f"committed offsets: {got}")
        admin.close()
        p.close()


def test_bad_input():
    with broker() as b:
        admin = jr.connect(b.host_port)
        jr.metadata(admin, [TOPIC])
        p = tp.TxnProducer(b.host_port, "tx-bad")
        check(p.init() == 0, "InitProducerId")
        check(p.end(True, transactional_id="never-initialised") == INVALID_PRODUCER_ID_MAPPING,
              "EndTxn for an unknown transactional id")
        check(p.end(True) == INVALID_TXN_STATE, "EndTxn with no transaction open")
        check(p.add_partitions(TOPIC, [0], epoch=p.epoch + 1) == {0: PRODUCER_FENCED},
              "AddPartitionsToTxn with a wrong epoch")
        check(p.commit_offsets("g", TOPIC, {0: 1}) == {0: INVALID_TXN_STATE}, "TxnOffsetCommit outside a transaction")
        check(p.add_partitions(TOPIC, [0]) == {0: 0}, "AddPartitionsToTxn")
        check(p.commit_offsets("g", TOPIC, {0: 1}) == {0: INVALID_TXN_STATE},
              "TxnOffsetCommit without AddOffsetsToTxn")
        described = tp.describe(admin, ["never-initialised", ""])
        check(described["never-initialised"]["ErrorCode"] == 105, f"describe unknown: {described}")
        check(described[""]["ErrorCode"] == INVALID_REQUEST, f"describe empty: {described}")

        empty = tp.TxnProducer(b.host_port, "")
        check(empty.init() == INVALID_REQUEST, "InitProducerId with an empty transactional id")
        empty.close()
        # Longer than any Kafka string (32767 bytes): the request is malformed.
        conn = kw.Connection(b.host_port)
        conn.send_call("InitProducerId", 5, {"TransactionalId": "x" * 40000, "TransactionTimeoutMs": 60000,
                                                           "ProducerId": -1, "ProducerEpoch": -1})
        check(conn.answers_or_closes(5.0) == "closed", "a too long transactional id closes the connection")
        conn.close()

        # A new producer with the same id fences the open transaction.
        other = tp.TxnProducer(b.host_port, "tx-bad")
        result = other.init()
        check(result == CONCURRENT_TRANSACTIONS, f"first InitProducerId of the new producer: {result}")
        wait_until(lambda: other.init() == 0, 10.0, what="the new producer's InitProducerId")
        check(other.epoch == p.epoch + 2, f"epochs: old {p.epoch}, new {other.epoch}")
        check(p.end(True) == PRODUCER_FENCED, "the old producer's EndTxn is fenced")
        check(p.add_partitions(TOPIC, [1]) == {1: PRODUCER_FENCED}, "the old producer's AddPartitionsToTxn is fenced")
        wait_state(admin, "tx-bad", "Empty")
        batches = log_batches(b, 0)
        check([tp.control_type(x) for x in batches if tp.is_control(x)] == [tp.CONTROL_ABORT],
              "the fenced transaction was aborted")
        p.close()
        other.close()
        admin.close()


def test_timeout_aborts():
    with broker(**{"transaction.abort.timed.out.transaction.cleanup.interval.ms": 200}) as b:
        admin = jr.connect(b.host_port)
        jr.metadata(admin, [TOPIC])
        leader = jr.connect(b.host_port)
        p = tp.TxnProducer(b.host_port, "tx-slow", timeout_ms=1000)
        check(p.init() == 0, "InitProducerId")
        check(p.add_partitions(TOPIC, [1]) == {1: 0}, "AddPartitionsToTxn")
        check(p.produce(leader, TOPIC, 1, [b"late"])[0] == 0, "Produce")
        wait_state(admin, "tx-slow", "CompleteAbort", timeout=15.0)
        check(tp.describe(admin, ["tx-slow"])["tx-slow"]["ProducerEpoch"] == p.epoch + 1, "the abort bumped the epoch")
        check(p.end(True) == PRODUCER_FENCED, "committing after the timeout is fenced")
        batches = log_batches(b, 1)
        check(tp.is_control(batches[-1]) and tp.control_type(batches[-1]) == tp.CONTROL_ABORT, "abort marker written")
        for conn in (admin, leader):
            conn.close()
        p.close()


def test_restart_after_sigkill():
    """Committed transactions stay committed; one left open when the broker died is
    aborted after its timeout once the broker is back; the producer id stays the id's."""
    fast = {"transaction.abort.timed.out.transaction.cleanup.interval.ms": 200}
    with DataDir() as data:
        b = broker(data, **fast).start()
        try:
            admin = jr.connect(b.host_port)
            jr.metadata(admin, [TOPIC])
            leader = jr.connect(b.host_port)
            done = tp.TxnProducer(b.host_port, "tx-done")
            check(done.init() == 0 and done.add_partitions(TOPIC, [0]) == {0: 0}, "tx-done begins")
            check(done.produce(leader, TOPIC, 0, [b"kept"])[0] == 0 and done.end(True) == 0, "tx-done commits")
            wait_state(admin, "tx-done", "CompleteCommit")
            open_ = tp.TxnProducer(b.host_port, "tx-open", timeout_ms=3000)
            check(open_.init() == 0 and open_.add_partitions(TOPIC, [1]) == {1: 0}, "tx-open begins")
            check(open_.produce(leader, TOPIC, 1, [b"lost"])[0] == 0, "tx-open produces")
        finally:
            b.kill()
        with broker(data, **fast) as b:
            admin = jr.connect(b.host_port)
            state = tp.describe(admin, ["tx-done", "tx-open"])
            check(state["tx-done"]["TransactionState"] == "CompleteCommit", f"after restart: {state['tx-done']}")
            check(state["tx-done"]["ProducerId"] == done.producer_id, "tx-done keeps its producer id")
            wait_state(admin, "tx-open", "CompleteAbort", timeout=20.0)
            batches = log_batches(b, 1)
            check(tp.is_control(batches[-1]) and tp.control_type(batches[-1]) == tp.CONTROL_ABORT,
                  "the open transaction was aborted after the restart")
            again = tp.TxnProducer(b.host_port, "tx-done")
            check(again.init() == 0 and again.producer_id == done.producer_id and again.epoch == done.epoch + 1,
                  f"tx-done after restart: {again.producer_id}/{again.epoch}")
            admin.close()
            again.close()


if __name__ == "__main__":
    sys.exit(main(test_java_transactional_producer_flow, test_consume_transform_produce_offsets, test_bad_input,
                  test_timeout_aborts, test_restart_after_sigkill))
