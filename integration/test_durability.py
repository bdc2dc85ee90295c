#!/usr/bin/python3
"""Durability: messages acknowledged with acks=all survive a SIGKILL of the broker and are
served, byte-identical and at the acknowledged offsets, after a restart on the same data."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))
from broker import Broker, DataDir  # noqa: E402
from testing import check, main, require_module, wait_until  # noqa: E402
import kafka_wire as kw  # noqa: E402

ck = require_module("confluent_kafka")
TOPIC = "durable"
PARTITIONS = 2
OVERRIDES = {"num.partitions": PARTITIONS, "auto.create.topics.enable": "true"}
# Kafka's page-cache mode: acks do not wait for fsync, but a killed broker
# process must still lose nothing it acknowledged (the page cache, or with
# fjord.log.direct.io the in-memory tail, is written before the ack).
PAGE_CACHE = {**OVERRIDES, "log.flush.interval.messages": 1000000, "log.flush.interval.ms": 600000}


def value_of(seq):
    return (f"msg-{seq:06d}-" + "x" * (seq % 97)).encode()


class Acks:
    def __init__(self):
        self.acked = {}      # (partition, offset) -> value
        self.failed = 0

    def __call__(self, err, msg):
        if err is None:
            self.acked[(msg.partition(), msg.offset())] = msg.value()
        else:
            self.failed += 1


def producer(broker):
    return ck.Producer({"bootstrap.servers": broker.bootstrap, "acks": "all",
                        "linger.ms": 5, "message.timeout.ms": 4000,
                        "socket.timeout.ms": 3000, "retries": 0})


def test_acked_messages_survive_sigkill():
    acked_messages_survive_sigkill(OVERRIDES)


def test_acked_messages_survive_sigkill_in_page_cache_mode():
    acked_messages_survive_sigkill(PAGE_CACHE)


def test_acked_messages_survive_sigkill_with_buffered_writes():
    acked_messages_survive_sigkill({**PAGE_CACHE, "fjord.log.direct.io": "false"})


def acked_messages_survive_sigkill(overrides):
    with DataDir() as data:
        acks = Acks()
        seq = 0
        broker = Broker(data_dir=data, overrides=overrides)
        with broker:
            p = producer(broker)
            for _ in range(10):                       # 2,000 acknowledged, flushed
                for _ in range(200):
                    p.produce(TOPIC, key=str(seq % 7).encode(), value=value_of(seq),
                              on_delivery=acks)
                    seq += 1
                check(p.flush(30) == 0, "producer could not flush to a healthy broker")
            check(len(acks.acked) == 2000 and acks.failed == 0,
                  f"healthy phase: {len(acks.acked)} acked, {acks.failed} failed")
            for _ in range(500):                      # in flight when the broker dies
                p.produce(TOPIC, key=str(seq % 7).encode(), value=value_of(seq), on_delivery=acks)
                seq += 1
            p.poll(0.05)
            broker.kill()
            p.flush(15)                               # settles every delivery report
            print(f"before restart: {len(acks.acked)} acked, {acks.failed} failed of {seq}")
            check(len(acks.acked) + acks.failed == seq, "some delivery reports never arrived")

            broker.start()                            # same data dir, new port
            found = {}
            for partition in range(PARTITIONS):
                records, batches = kw.read_all(broker.host_port, TOPIC, partition)
                check(all(b["crc_ok"] for b in batches), f"partition {partition}: CRC mismatch")
                offsets = [r["offset"] for r in records]
                check(offsets == list(range(len(offsets))),
                      f"partition {partition}: offsets after restart are not contiguous from 0")
                for r in records:
                    found[(partition, r["offset"])] = r["value"]
            missing = [k for k, v in acks.acked.items() if found.get(k) != v]
            check(not missing, f"{len(missing)} acknowledged messages lost or changed after "
                               f"SIGKILL, e.g. {sorted(missing)[:5]}")

            # The restarted broker keeps appending after the recovered end.
            p2 = producer(broker)
            after = Acks()
            p2.produce(TOPIC, value=b"after-restart", partition=0, on_delivery=after)
            check(p2.flush(30) == 0 and len(after.acked) == 1, "produce after restart failed")
            (partition, offset), = after.acked.keys()
            recovered_end = max([o for (pp, o) in found if pp == 0], default=-1) + 1
            check(offset == recovered_end,
                  f"first offset after restart is {offset}, expected {recovered_end}")


def test_clean_restart_keeps_everything():
    with DataDir() as data:
        acks = Acks()
        with Broker(data_dir=data, overrides=OVERRIDES) as broker:
            p = producer(broker)
            for seq in range(1000):
                p.produce(TOPIC, value=value_of(seq), partition=seq % PARTITIONS,
                          on_delivery=acks)
            check(p.flush(30) == 0 and len(acks.acked) == 1000, "produce failed")
        with Broker(data_dir=data, overrides=OVERRIDES) as broker:
            for partition in range(PARTITIONS):
                records = wait_until(lambda: kw.read_all(broker.host_port, TOPIC, partition)[0],
                                     10, what=f"partition {partition} after restart")
                check(len(records) == 500, f"partition {partition}: {len(records)} of 500")
                for r in records:
                    check(acks.acked[(partition, r["offset"])] == r["value"],
                          f"partition {partition} offset {r['offset']} differs")


if __name__ == "__main__":
    sys.exit(main(test_acked_messages_survive_sigkill, test_acked_messages_survive_sigkill_in_page_cache_mode,
                  test_acked_messages_survive_sigkill_with_buffered_writes, test_clean_restart_keeps_everything))
