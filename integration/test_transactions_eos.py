#!/usr/bin/python3
"""Exactly-once across a broker crash: a consume-transform-produce loop (confluent_kafka,
harness/eos_copier.py: read_committed consumer, transactional producer,
send_offsets_to_transaction) copies every input record to an output topic while the broker
is SIGKILLed and restarted on the same data and port. Afterwards every input record is in
the output exactly once, counting committed transactions only (as a read_committed consumer
reads them, from the raw log with its commit and abort markers)."""
import os
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "harness"))
from broker import Broker, DataDir  # noqa: E402
from testing import check, main, skip, wait_until  # noqa: E402
import java_replay as jr  # noqa: E402
import kafka_wire as kw  # noqa: E402
import txn_producer as tp  # noqa: E402

INPUT, OUTPUT, PARTITIONS, COUNT = "eos-in", "eos-out", 3, 3000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def committed_output(b):
    """Values in committed transactions of OUTPUT, all partitions."""
    values = []
    for p in range(PARTITIONS):
        pending = []
        for batch in kw.read_all(b.host_port, OUTPUT, p, timeout=30.0)[1]:
            if not tp.is_control(batch):
                pending += [r["value"] for r in batch["records"]]
            else:
                if tp.control_type(batch) == tp.CONTROL_COMMIT:
                    values += pending
                pending = []
    return values


class Copier:
    def __init__(self, bootstrap):
        self.bootstrap, self.proc, self.starts = bootstrap, None, 0

    def ensure_running(self):
        if self.proc is None or self.proc.poll() is not None:
            if self.proc is not None:
                print(f"copier exited with {self.proc.returncode}; starting it again")
            self.starts += 1
            self.proc = subprocess.Popen(
                [sys.executable, os.path.join(HERE, "harness", "eos_copier.py"), self.bootstrap, INPUT, OUTPUT,
                 "eos-group", "eos-copier", str(10 * COUNT), "300"], start_new_session=True)

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)


def test_exactly_once_across_sigkill():
    from confluent_kafka import Producer
    port = free_port()
    overrides = {"listeners": f"PLAINTEXT://127.0.0.1:{port}", "num.partitions": PARTITIONS,
                 "auto.create.topics.enable": "true", "group.initial.rebalance.delay.ms": 0,
                 "transaction.abort.timed.out.transaction.cleanup.interval.ms": 1000}
    with DataDir() as data:
        b = Broker(data_dir=data, overrides=overrides).start()
        copier = Copier(b.bootstrap)
        try:
            with kw.Connection(b.host_port) as conn:
                jr.metadata(conn, [INPUT, OUTPUT])  # auto-creates both
            p = Producer({"bootstrap.servers": b.bootstrap, "acks": "all", "linger.ms": 5})
            inputs = [f"{i}".encode() for i in range(COUNT)]
            for i, v in enumerate(inputs):
                p.produce(INPUT, value=v, partition=i % PARTITIONS)
            check(p.flush(30) == 0, "input not all acknowledged")
            copier.ensure_running()
            wait_until(lambda: len(committed_output(b)) >= COUNT // 3, 120, interval=0.5,
                       what="a third of the records copied")
            before = len(committed_output(b))
            b.kill()
            check(before < COUNT, "the copy was finished before the crash")
            time.sleep(1)
            b = Broker(data_dir=data, overrides=overrides).start()
            check(b.port == port, "the broker came back on its port")

            def all_copied():
                copier.ensure_running()
                return len(committed_output(b)) >= COUNT

            wait_until(all_copied, 180, interval=1.0, what="every record copied")
            time.sleep(2)  # a transaction in flight could still commit a duplicate: give it the chance
            copier.kill()
            out = committed_output(b)
            expected = sorted(b"out-" + v for v in inputs)
            dupes = len(out) - len(set(out))
            check(dupes == 0, f"{dupes} records copied more than once")
            check(sorted(out) == expected, f"{len(out)} committed output records, expected {len(expected)}")
            print(f"crash after {before} records; copier started {copier.starts} times; "
                  f"{len(out)} records exactly once")
        finally:
            copier.kill()
            b.stop()


if __name__ == "__main__":
    try:
        import confluent_kafka  # noqa: F401
    except ImportError:
        skip("confluent_kafka is not installed for /usr/bin/python3")
    sys.exit(main(test_exactly_once_across_sigkill))
