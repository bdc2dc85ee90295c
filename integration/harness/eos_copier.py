#!/usr/bin/python3
"""A consume-transform-produce loop with exactly-once semantics (confluent_kafka), run as
its own process by test_transactions_eos.py: reads <input topic> in group <group>
(read_committed, no auto commit), writes "out-<value>" to <output topic> and sends the
consumed positions with send_offsets_to_transaction, one transaction per batch. Stops once
`total` records were copied in committed transactions or after `seconds`.

    eos_copier.py <bootstrap> <input> <output> <group> <transactional id> <total> <seconds>

Exit 0: done; 3: a fatal error (fenced, ...): the test starts it again."""
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition


def main():
    bootstrap, source, sink, group, txn_id, total, seconds = sys.argv[1:8]
    total, deadline = int(total), time.monotonic() + float(seconds)
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                         "auto.offset.reset": "earliest", "isolation.level": "read_committed",
                         "session.timeout.ms": 10000, "heartbeat.interval.ms": 1000})
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": txn_id,
                         "transaction.timeout.ms": 10000, "linger.ms": 5, "message.timeout.ms": 10000})
    producer.init_transactions(60)
    consumer.subscribe([source])
    copied = 0
    while copied < total and time.monotonic() < deadline:
        # Small transactions with a pause: the test's crash lands in the middle of the copy.
        messages = [m for m in consumer.consume(50, 1.0) if m.error() is None]
        if not messages:
            continue
        try:
            producer.begin_transaction()
            for m in messages:
                producer.produce(sink, value=b"out-" + m.value(), partition=m.partition())
            positions = consumer.position(consumer.assignment())
            producer.send_offsets_to_transaction(positions, consumer.consumer_group_metadata(), 30)
            producer.commit_transaction(30)
            copied += len(messages)
            time.sleep(0.05)
        except KafkaException as e:
            error = e.args[0]
            print(f"copier: {error}", flush=True)
            if error.fatal():
                return 3
            if error.txn_requires_abort():
                try:
                    producer.abort_transaction(30)
                except KafkaException as e2:
                    print(f"copier: abort failed: {e2}", flush=True)
                    return 3
            # Start again from what was committed.
            committed = consumer.committed(consumer.assignment(), 30)
            for tp in committed:
                consumer.seek(TopicPartition(tp.topic, tp.partition, tp.offset if tp.offset >= 0 else 0))
    consumer.close()
    print(f"copier: copied {copied}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
