#!/usr/bin/python3
"""confluent-kafka (Python over librdkafka): produce with keys and headers, then consume
with assign() from the beginning (no subscribe, no commits) and compare byte for byte.
Then subscribe() in a group: commit, and a new consumer resumes from the commits. On one
shared broker: every codec, a 1 MiB message, the admin API for topics, the idempotent and
the transactional producer."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))
from broker import Broker  # noqa: E402
from testing import Failure, check, main, require_module, wait_until  # noqa: E402
import group_member as gm  # noqa: E402
import compat  # noqa: E402
import kafka_wire as kw  # noqa: E402

ck = require_module("confluent_kafka")
from confluent_kafka.admin import AdminClient  # noqa: E402
CLIENT = compat.confluent_kafka()
TOPIC = "py-confluent"
PARTITIONS = 3
COUNT = 3000


def message(seq):
    # Text with a binary byte every 16, so even a one-record batch shrinks under lz4:
    # librdkafka sends a batch that did not shrink uncompressed, and the codec check
    # below must tell that apart from a dropped codec.
    value = bytes((seq * 7 + i) % 256 if i % 16 == 0 else 97 + i % 26
                  for i in range(seq % 400))
    return (f"k{seq % 50}".encode(), value, [("seq", str(seq).encode()), ("empty", b"")])


def consume_all(broker, expected_total, timeout=60):
    # librdkafka's KafkaConsumer insists on a group.id; assign() with commits disabled
    # never joins the group, so no group APIs are needed for this flow.
    c = ck.Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused-assign-only",
                     "enable.auto.commit": False, "enable.auto.offset.store": False,
                     "enable.partition.eof": True, "fetch.wait.max.ms": 100})
    try:
        c.assign([ck.TopicPartition(TOPIC, p, ck.OFFSET_BEGINNING) for p in range(PARTITIONS)])
        got, eof = [], set()
        deadline = time.monotonic() + timeout
        while (len(got) < expected_total or len(eof) < PARTITIONS):
            if time.monotonic() > deadline:
                raise Failure(f"consumed {len(got)}/{expected_total}, eof {sorted(eof)}")
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                if m.error().code() == ck.KafkaError._PARTITION_EOF:
                    eof.add(m.partition())
                    continue
                raise Failure(f"consumer error: {m.error()}")
            eof.discard(m.partition())
            got.append(m)
        return got
    finally:
        c.close()


@CLIENT.flow("metadata", "keyed-order", "headers")
def test_produce_and_assign_consume():
    with Broker(overrides={"num.partitions": PARTITIONS,
                           "auto.create.topics.enable": "true"}) as broker:
        acked = {}

        def on_delivery(err, msg, seq):
            if err is not None:
                raise Failure(f"delivery of {seq} failed: {err}")
            acked[(msg.partition(), msg.offset())] = seq

        p = ck.Producer({"bootstrap.servers": broker.bootstrap, "acks": "all",
                         "linger.ms": 50, "compression.type": "lz4"})
        for seq in range(COUNT):
            key, value, headers = message(seq)
            p.produce(TOPIC, key=key, value=value, headers=headers,
                      on_delivery=lambda err, msg, seq=seq: on_delivery(err, msg, seq))
            p.poll(0)
        check(p.flush(60) == 0, "producer did not flush")
        check(len(acked) == COUNT, f"{len(acked)} of {COUNT} acknowledged")

        got = consume_all(broker, COUNT)
        check(len(got) == COUNT, f"consumed {len(got)}, produced {COUNT}")
        last = {}
        for m in got:
            seq = acked.get((m.partition(), m.offset()))
            check(seq is not None, f"unexpected record at {m.partition()}/{m.offset()}")
            key, value, headers = message(seq)
            check(m.key() == key and m.value() == value, f"bytes differ for message {seq}")
            check(m.headers() == headers, f"headers differ for message {seq}: {m.headers()}")
            check(m.offset() > last.get(m.partition(), -1), "offsets went backwards")
            last[m.partition()] = m.offset()

        md = AdminClient({"bootstrap.servers": broker.bootstrap}).list_topics(
            TOPIC, timeout=10)
        check(len(md.topics[TOPIC].partitions) == PARTITIONS, "metadata partition count")
        lo, hi = ck.Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused"}) \
            .get_watermark_offsets(ck.TopicPartition(TOPIC, 0), timeout=10)
        check(lo == 0 and hi == sum(1 for (pp, _) in acked if pp == 0),
              f"watermarks {lo}..{hi} for partition 0")

        # lz4 was requested: the stored batches must really be lz4 (librdkafka silently
        # falls back to uncompressed when the broker's ApiVersions ranges look too old).
        # (Some batches may go out uncompressed: librdkafka does that when compressing
        # did not shrink them, and more often on a loaded machine.)
        _, batches = kw.read_all(broker.host_port, TOPIC, 0)
        used = [b["codec"] for b in batches]
        check(set(used) <= {"lz4", "none"} and "lz4" in used,
              f"stored batch codecs {sorted(set(used))}: {used.count('lz4')} of {len(used)} "
              "are lz4")


@CLIENT.flow("topic-compression-type", describe="topics created with compression.type gzip, "
             "uncompressed, zstd, producer store that codec whatever the producer sent")
def test_topic_compression_type_is_applied():
    # Kafka recompresses what a producer sends when the topic's compression.type
    # names a codec; "producer" keeps the producer's.
    with Broker() as broker:
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        cases = {"ct-gzip": ("gzip", "lz4", "gzip"), "ct-plain": ("uncompressed", "zstd", "none"),
                 "ct-zstd": ("zstd", "none", "zstd"), "ct-producer": ("producer", "snappy", "snappy")}
        futures = admin.create_topics([
            ck.admin.NewTopic(t, num_partitions=1, replication_factor=1, config={"compression.type": ct})
            for t, (ct, _, _) in cases.items()])
        for t, f in futures.items():
            f.result(timeout=15)
        for topic, (topic_codec, producer_codec, stored) in cases.items():
            p = ck.Producer({"bootstrap.servers": broker.bootstrap, "acks": "all", "linger.ms": 20,
                             "compression.type": producer_codec})
            sent = []
            for seq in range(500):
                key, value, headers = message(seq)
                value = value + b"x" * 200  # compressible, so librdkafka does compress
                sent.append((key, value, headers))
                p.produce(topic, key=key, value=value, headers=headers)
            check(p.flush(30) == 0, f"{topic}: producer did not flush")
            _, batches = kw.read_all(broker.host_port, topic, 0)
            used = sorted({b["codec"] for b in batches})
            check(used == [stored], f"{topic} (compression.type={topic_codec}, producer {producer_codec}): "
                  f"stored codecs {used}, expected {stored}")
            c = ck.Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused",
                             "enable.auto.commit": False, "enable.partition.eof": True})
            try:
                c.assign([ck.TopicPartition(topic, 0, ck.OFFSET_BEGINNING)])
                got, deadline = [], time.monotonic() + 30
                while len(got) < len(sent) and time.monotonic() < deadline:
                    m = c.poll(0.5)
                    if m is None or (m.error() and m.error().code() == ck.KafkaError._PARTITION_EOF):
                        continue
                    check(not m.error(), f"{topic}: consumer error {m.error()}")
                    got.append((m.key(), m.value(), m.headers()))
            finally:
                c.close()
            check(got == sent, f"{topic}: {len(got)} records read back, "
                  f"{sum(1 for a, b in zip(got, sent) if a != b)} differ")


def test_two_listeners_each_advertise_themselves():
    # Kafka answers Metadata with the advertised listener of the same name as
    # the one the client came through: a client of either listener must be
    # sent back to that one.
    with Broker(overrides={"listeners": "PLAINTEXT://127.0.0.1:0,INTERNAL://127.0.0.1:0",
                           "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT",
                           "num.partitions": 1}) as broker:
        ports = broker.listener_ports(2)
        check(set(ports) == {"PLAINTEXT", "INTERNAL"} and ports["PLAINTEXT"] != ports["INTERNAL"],
              f"listeners reported: {ports}")
        for name, port in ports.items():
            with kw.Connection(("127.0.0.1", port)) as conn:
                md = kw.metadata(conn)
            check([(b["host"], b["port"]) for b in md["brokers"]] == [("127.0.0.1", port)],
                  f"Metadata through {name} advertised {md['brokers']}, not 127.0.0.1:{port}")
        topic = "two-listeners"
        p = ck.Producer({"bootstrap.servers": f"127.0.0.1:{ports['INTERNAL']}", "acks": "all"})
        for seq in range(200):
            p.produce(topic, key=str(seq).encode(), value=b"v" * seq)
        check(p.flush(30) == 0, "producer through INTERNAL did not flush")
        c = ck.Consumer({"bootstrap.servers": f"127.0.0.1:{ports['PLAINTEXT']}", "group.id": "unused",
                         "enable.auto.commit": False})
        try:
            c.assign([ck.TopicPartition(topic, 0, ck.OFFSET_BEGINNING)])
            got, deadline = [], time.monotonic() + 30
            while len(got) < 200 and time.monotonic() < deadline:
                m = c.poll(0.5)
                if m is None or m.error():
                    continue
                got.append((m.key(), m.value()))
        finally:
            c.close()
        check(got == [(str(s).encode(), b"v" * s) for s in range(200)],
              f"read {len(got)} of 200 through PLAINTEXT")


def test_reading_far_behind_the_end():
    # 40 MB on one partition: all but the newest 16 MiB has left the broker's
    # memory, and O_DIRECT writes never put it in the page cache, so reading
    # from the start (or looking up its timestamps) comes from the disk.
    # Every record must come back, in order, intact, and the disk reads must
    # happen on the loader threads:
    # a network thread that waits for the disk holds up all its connections.
    count, size = 20000, 2000
    value = lambda seq: (f"{seq:08d}".encode() * (size // 8 + 1))[:size]  # noqa: E731
    with Broker(overrides={"num.partitions": 1}) as broker:
        topic = "far-behind"
        p = ck.Producer({"bootstrap.servers": broker.bootstrap, "acks": "all", "linger.ms": 20})
        for seq in range(count):
            while True:
                try:
                    p.produce(topic, value=value(seq))
                    break
                except BufferError:
                    p.poll(0.1)
            p.poll(0)
        check(p.flush(60) == 0, "producer did not flush")
        before = broker.storage_reads_by_thread()
        c = ck.Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused",
                         "enable.auto.commit": False})
        try:
            # A timestamp lookup of the oldest records reads them from the disk too.
            found = c.offsets_for_times([ck.TopicPartition(topic, 0, 0)], timeout=30)
            check(found[0].offset == 0, f"offsets_for_times(0) gave offset {found[0].offset}")
            c.assign([ck.TopicPartition(topic, 0, ck.OFFSET_BEGINNING)])
            seq, deadline = 0, time.monotonic() + 60
            while seq < count and time.monotonic() < deadline:
                m = c.poll(0.5)
                if m is None or m.error():
                    continue
                check(m.offset() == seq and m.value() == value(seq), f"record {seq}: offset {m.offset()}, "
                      f"value {'intact' if m.value() == value(seq) else 'differs'}")
                seq += 1
        finally:
            c.close()
        check(seq == count, f"read {seq} of {count} records back from the start")
        after = broker.storage_reads_by_thread()
        read = {name: after.get(name, 0) - before.get(name, 0) for name in after}
        check(read.get("fj-network", 0) == 0, f"network threads read from the disk: {read}")
        print(f"bytes read from the disk while consuming, by thread: {read}")


def test_big_batches_from_concurrent_producers_come_back_exactly():
    # Big produce batches are received straight into memory the log keeps
    # (docs/storage.md, "Batches received into the tail"); three producers on
    # the same partitions make some land elsewhere than placed, and those are
    # copied. Every record must come back exactly, offsets dense, and the
    # broker must say at shutdown that it kept batches as received.
    import threading
    topic, partitions, producers, count = "big-batches", 4, 3, 4000
    value = lambda who, seq: (f"{who}:{seq:06d}|".encode() * 200)[:1500 + seq % 700]  # noqa: E731
    with Broker(overrides={"num.partitions": partitions}) as broker:
        errors = []

        def produce(who):
            p = ck.Producer({"bootstrap.servers": broker.bootstrap, "acks": "all", "linger.ms": 30,
                             "batch.size": 400000})
            for seq in range(count):
                while True:
                    try:
                        p.produce(topic, key=f"{who}-{seq % 9}".encode(), value=value(who, seq),
                                  headers=[("seq", str(seq).encode())], partition=seq % partitions,
                                  on_delivery=lambda err, m: err and errors.append(err))
                        break
                    except BufferError:
                        p.poll(0.05)
                p.poll(0)
            if p.flush(60) != 0:
                errors.append(f"producer {who} did not flush")

        # The topic exists before the producers race to it.
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        for future in admin.create_topics([ck.admin.NewTopic(topic, partitions, 1)]).values():
            future.result(30)
        threads = [threading.Thread(target=produce, args=(who,)) for who in range(producers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        check(not errors, f"produce errors: {errors[:5]}")
        c = ck.Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused",
                         "enable.auto.commit": False, "fetch.wait.max.ms": 100})
        seen, next_offset = set(), [0] * partitions
        try:
            c.assign([ck.TopicPartition(topic, p, ck.OFFSET_BEGINNING) for p in range(partitions)])
            deadline = time.monotonic() + 60
            while len(seen) < producers * count and time.monotonic() < deadline:
                m = c.poll(0.5)
                if m is None or m.error():
                    continue
                who, seq = int(m.key().split(b"-")[0]), int(dict(m.headers())["seq"])
                check(m.offset() == next_offset[m.partition()],
                      f"partition {m.partition()}: offset {m.offset()}, expected {next_offset[m.partition()]}")
                next_offset[m.partition()] += 1
                check(m.partition() == seq % partitions and m.value() == value(who, seq),
                      f"record {who}/{seq} differs (partition {m.partition()}, offset {m.offset()})")
                check((who, seq) not in seen, f"record {who}/{seq} twice")
                seen.add((who, seq))
        finally:
            c.close()
        check(len(seen) == producers * count, f"read {len(seen)} of {producers * count} records")
        broker.stop()
        kept = [line for line in broker.output if "kept as received" in line]
        check(kept and not kept[-1].split("storage: ")[-1].startswith("0 of"),
              "no batch was kept as received:\n" + broker.log_tail())
        print(kept[-1].split("storage: ")[-1])


def test_a_low_open_file_limit_is_raised():
    # Started with the soft limit of a login shell (1024) but room above it,
    # the broker takes the hard limit: 400 partitions need about 1600 files.
    with Broker(open_files_soft_limit=1024) as broker:
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        for future in admin.create_topics([ck.admin.NewTopic("many-files", 400, 1)]).values():
            future.result(60)
        check(any("open-file limit raised from 1024" in line for line in broker.output),
              "no 'open-file limit raised' line:\n" + broker.log_tail())
        p = ck.Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 5})
        for i in range(400):
            p.produce("many-files", value=b"x", partition=i)
        check(p.flush(30) == 0, "producer did not flush to every partition")


def take_in_group(broker, group, topic, wanted, timeout=60):
    """subscribe() and read until `wanted` records, committing each one synchronously;
    returns their values. Records fetched past that are neither taken nor committed."""
    c = ck.Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group,
                     "auto.offset.reset": "earliest", "enable.auto.commit": False,
                     "session.timeout.ms": 10000, "heartbeat.interval.ms": 500,
                     "fetch.wait.max.ms": 100})
    try:
        c.subscribe([topic])
        taken, deadline = [], time.monotonic() + timeout
        while len(taken) < wanted:
            if time.monotonic() > deadline:
                raise Failure(f"{group}: took {len(taken)} of {wanted}")
            m = c.poll(0.5)
            if m is None:
                continue
            check(not m.error(), f"consumer error: {m.error()}")
            taken.append(m.value())
            c.commit(message=m, asynchronous=False)
        return taken
    finally:
        c.close()  # leaves the group


@CLIENT.flow("commit-resume")
def test_subscribe_commit_and_resume_in_a_group():
    topic, group = "ck-group-topic", "ck-group"
    with Broker(overrides={"num.partitions": 3}) as broker:
        p = ck.Producer({"bootstrap.servers": broker.bootstrap, "acks": "all", "linger.ms": 5})
        for i in range(300):
            p.produce(topic, value=b"v%d" % i, partition=i % 3)
        check(p.flush(30) == 0, "producer did not flush")
        first = take_in_group(broker, group, topic, 120)
        with kw.Connection(broker.host_port) as conn:
            error, committed = gm.committed_offsets(conn, group)
        check(error == 0 and sum(o for o, _, _ in committed.values()) == 120,
              f"committed {committed} after reading 120")
        for i in range(300, 330):
            p.produce(topic, value=b"v%d" % i, partition=i % 3)
        check(p.flush(30) == 0, "producer did not flush")
        second = take_in_group(broker, group, topic, 210)
        check(len(set(first) | set(second)) == 330 and len(first) + len(second) == 330,
              f"read {len(first)} then {len(second)}, {len(set(first) | set(second))} distinct of 330")
        c = ck.Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group})
        try:
            got = c.committed([ck.TopicPartition(topic, n) for n in range(3)], timeout=10)
        finally:
            c.close()
        check([tp.offset for tp in got] == [110, 110, 110], f"committed() {[tp.offset for tp in got]}")


# ---------------------------------------------------------------- on one shared broker
SHARED = None  # started in __main__
LARGE = 1 << 20


def read_back(topic, partitions=1, settings=None, timeout=30):
    """Every record of the topic from the beginning to its end, with assign()."""
    c = ck.Consumer({"bootstrap.servers": SHARED.bootstrap, "group.id": "unused",
                     "enable.auto.commit": False, "enable.partition.eof": True,
                     "fetch.wait.max.ms": 100, **(settings or {})})
    try:
        c.assign([ck.TopicPartition(topic, p, ck.OFFSET_BEGINNING) for p in range(partitions)])
        got, eof, deadline = [], set(), time.monotonic() + timeout
        while len(eof) < partitions:
            check(time.monotonic() < deadline, f"{topic}: read {len(got)}, no end of partitions {eof}")
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                check(m.error().code() == ck.KafkaError._PARTITION_EOF, f"consumer error: {m.error()}")
                eof.add(m.partition())
                continue
            eof.discard(m.partition())
            got.append(m)
        return got
    finally:
        c.close()


def produce_all(settings, topic, records):
    p = ck.Producer({"bootstrap.servers": SHARED.bootstrap, **settings})
    errors = []
    for key, value in records:
        p.produce(topic, key=key, value=value, partition=0, on_delivery=lambda e, m: e and errors.append(e))
        p.poll(0)
    check(p.flush(30) == 0 and not errors, f"{topic}: produce failed: {errors[:3]}")
    return p


@CLIENT.flow("codecs")
def test_every_codec():
    for codec in ("gzip", "snappy", "lz4", "zstd"):
        topic = f"ck-{codec}"
        sent = [(b"k%d" % (i % 9), b"%05d " % i + b"compressible text " * (i % 40)) for i in range(500)]
        produce_all({"compression.type": codec, "linger.ms": 50}, topic, sent)
        got = read_back(topic)
        check([(m.key(), m.value()) for m in got] == sent, f"{codec}: read back {len(got)} of 500, or other bytes")
        _, batches = kw.read_all(SHARED.host_port, topic)
        used = {b["codec"] for b in batches}
        check(used <= {codec, "none"} and codec in used, f"{codec}: stored batch codecs {used}")


@CLIENT.flow("large-message")
def test_a_1_mib_message():
    big = bytes((i * 7) % 251 for i in range(LARGE))
    sent = [(b"small", b"before"), (b"big", big), (b"small", b"after")]
    produce_all({"message.max.bytes": 2000000}, "ck-large", sent)
    got = read_back("ck-large")
    check([(m.key(), m.value()) for m in got] == sent, f"read back sizes {[len(m.value()) for m in got]}")


@CLIENT.flow("admin-topics")
def test_admin_create_describe_delete():
    from confluent_kafka.admin import ConfigResource, NewTopic
    admin = AdminClient({"bootstrap.servers": SHARED.bootstrap})
    for f in admin.create_topics([NewTopic("ck-admin", 3, 1, config={"retention.ms": "86400000"})]).values():
        f.result(15)
    try:
        admin.create_topics([NewTopic("ck-admin", 3, 1)])["ck-admin"].result(15)
        raise Failure("creating an existing topic succeeded")
    except ck.KafkaException as e:
        check(e.args[0].code() == ck.KafkaError.TOPIC_ALREADY_EXISTS, f"second create: {e}")
    md = admin.list_topics(timeout=10)
    check(sorted(md.topics["ck-admin"].partitions) == [0, 1, 2], f"partitions {md.topics['ck-admin'].partitions}")
    configs = admin.describe_configs([ConfigResource("topic", "ck-admin")])
    entries = list(configs.values())[0].result(15)
    check(entries["retention.ms"].value == "86400000", f"retention.ms {entries['retention.ms'].value}")
    for f in admin.delete_topics(["ck-admin"]).values():
        f.result(15)
    wait_until(lambda: "ck-admin" not in admin.list_topics(timeout=10).topics, 10, what="the topic to go")


@CLIENT.flow("idempotent")
def test_idempotent_producer():
    compat.require_apis(SHARED, compat.PRODUCER_ID_APIS)
    sent = [(b"k%d" % (i % 7), b"v%d" % i) for i in range(1000)]
    produce_all({"enable.idempotence": True, "linger.ms": 5}, "ck-idempotent", sent)
    got = read_back("ck-idempotent")
    check([(m.key(), m.value()) for m in got] == sent, f"read back {len(got)} of 1000, or out of order")
    _, batches = kw.read_all(SHARED.host_port, "ck-idempotent")
    check(all(b["producer_id"] >= 0 for b in batches), "batches stored without a producer id")


@CLIENT.flow("transactional")
def test_transactional_producer():
    compat.require_apis(SHARED, compat.TRANSACTION_APIS)
    topic = "ck-transactional"
    p = ck.Producer({"bootstrap.servers": SHARED.bootstrap, "transactional.id": "ck-tx"})
    p.init_transactions(20)
    p.begin_transaction()
    for i in range(100):
        p.produce(topic, key=b"k", value=b"committed-%d" % i, partition=0)
    p.commit_transaction(20)
    p.begin_transaction()
    for i in range(50):
        p.produce(topic, key=b"k", value=b"aborted-%d" % i, partition=0)
    p.flush(20)  # delivered first: abort purges what is still queued
    p.abort_transaction(20)
    got = read_back(topic, settings={"isolation.level": "read_committed"})
    check([m.value() for m in got] == [b"committed-%d" % i for i in range(100)],
          f"read_committed read {len(got)} records, 100 committed")
    uncommitted = read_back(topic, settings={"isolation.level": "read_uncommitted"})
    check(len(uncommitted) == 150, f"read_uncommitted read {len(uncommitted)} of 150 data records")


if __name__ == "__main__":
    with Broker(overrides={"message.max.bytes": 2 << 20}) as SHARED:
        code = main(test_produce_and_assign_consume, test_subscribe_commit_and_resume_in_a_group,
                    test_topic_compression_type_is_applied, test_two_listeners_each_advertise_themselves,
                    test_reading_far_behind_the_end, test_big_batches_from_concurrent_producers_come_back_exactly,
                    test_a_low_open_file_limit_is_raised, test_every_codec, test_a_1_mib_message,
                    test_admin_create_describe_delete, test_idempotent_producer, test_transactional_producer)
    sys.exit(code)
