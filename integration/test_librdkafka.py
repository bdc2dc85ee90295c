#!/usr/bin/python3
"""librdkafka's scenario set (the C++ client in integration/clients, admin through the C API):
admin CreateTopics/DeleteTopics + Metadata, produce/consume with every codec,
offsets_for_times, then a check that the broker really stored each codec topic with the
requested compression. On one shared broker: two KafkaConsumers in a group (rebalance,
commits, hand-over, resume), a 1 MiB message, the idempotent and the transactional producer."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))
from broker import Broker  # noqa: E402
from testing import check, main, run, skip  # noqa: E402
import compat  # noqa: E402
import kafka_wire as kw  # noqa: E402

CLIENT_BIN = os.environ.get("FJORD_RDKAFKA_CLIENT", "")
if not CLIENT_BIN or not os.access(CLIENT_BIN, os.X_OK):
    skip("librdkafka C++ client not built (needs librdkafka-dev / pkg-config rdkafka++)")
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
CLIENT = compat.librdkafka()


@CLIENT.flow("metadata", "admin-topics", "keyed-order", "codecs", "headers", "offsets-for-times",
             describe="rd_kafka_offsets_for_times: exact, between-records and past-the-end answers")
def test_librdkafka_client():
    # Topics come only from the admin API here: auto-creation is off.
    with Broker(overrides={"auto.create.topics.enable": "false"}) as broker:
        p = run([CLIENT_BIN, broker.bootstrap], timeout=240, check_rc=False)
        print(p.stdout.decode(errors="replace"))
        check(p.returncode == 0, "librdkafka client failed; its log:\n"
              + p.stderr.decode(errors="replace")[-4000:])
        for codec in CODECS:
            for partition in range(2):
                records, batches = kw.read_all(broker.host_port, f"codec-{codec}", partition)
                check(batches, f"codec-{codec}/{partition}: nothing stored")
                used = [b["codec"] for b in batches]
                # librdkafka sends some batches uncompressed (when compressing did not
                # shrink them, and on a loaded machine more often than that), so "none"
                # may appear; another codec, or no batch at all with this one, means the
                # codec was dropped (e.g. librdkafka's feature checks failed).
                check(set(used) <= {codec, "none"} and codec in used,
                      f"codec-{codec}/{partition}: batch codecs {sorted(set(used))}, "
                      f"{used.count(codec)} of {len(used)} with {codec}")
                check(all(b["crc_ok"] for b in batches), f"codec-{codec}: CRC mismatch")
                total = sum(b["last_offset_delta"] + 1 for b in batches)
                check(total == 1000, f"codec-{codec}/{partition}: {total} records stored")


# ---------------------------------------------------------------- on one shared broker
SHARED = None  # started in __main__


def scenario(name):
    p = run([CLIENT_BIN, SHARED.bootstrap, name], timeout=120, check_rc=False)
    print(p.stdout.decode(errors="replace").strip())
    check(p.returncode == 0, f"scenario {name} failed; its log:\n" + p.stderr.decode(errors="replace")[-4000:])


@CLIENT.flow("c-api", "commit-resume", describe="the C API alone: rd_kafka_CreateTopics, rd_kafka_producev "
             "with headers, a subscribed consumer committing each record, a second one resuming at the commits")
def test_c_api_produce_subscribe_commit_and_resume():
    scenario("c-api")


@CLIENT.flow("group-rebalance", "commit-resume")
def test_high_level_consumers_rebalance_commit_and_resume():
    scenario("group")


@CLIENT.flow("large-message")
def test_a_1_mib_message():
    scenario("large")


@CLIENT.flow("idempotent")
def test_idempotent_producer():
    compat.require_apis(SHARED, compat.PRODUCER_ID_APIS)
    scenario("idempotent")
    _, batches = kw.read_all(SHARED.host_port, "rk-idempotent")
    check(batches and all(b["producer_id"] >= 0 for b in batches), "batches stored without a producer id")


@CLIENT.flow("transactional")
def test_transactional_producer():
    compat.require_apis(SHARED, compat.TRANSACTION_APIS)
    scenario("transactional")


if __name__ == "__main__":
    with Broker(overrides={"auto.create.topics.enable": "false", "message.max.bytes": 2 << 20}) as SHARED:
        code = main(test_librdkafka_client, test_c_api_produce_subscribe_commit_and_resume,
                    test_high_level_consumers_rebalance_commit_and_resume,
                    test_a_1_mib_message, test_idempotent_producer, test_transactional_producer)
    sys.exit(code)
