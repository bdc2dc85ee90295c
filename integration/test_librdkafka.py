#!/usr/bin/python3
"""librdkafka C++ client (integration/clients): admin CreateTopics/DeleteTopics + Metadata,
produce/consume with every codec, offsets_for_times. Then checks that the broker really
stored each codec topic with the requested compression."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))
from broker import Broker  # noqa: E402
from testing import check, main, run, skip  # noqa: E402
import kafka_wire as kw  # noqa: E402

CLIENT = os.environ.get("FJORD_RDKAFKA_CLIENT", "")
if not CLIENT or not os.access(CLIENT, os.X_OK):
    skip("librdkafka C++ client not built (needs librdkafka-dev / pkg-config rdkafka++)")
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]


def test_librdkafka_client():
    # Topics come only from the admin API here: auto-creation is off.
    with Broker(overrides={"auto.create.topics.enable": "false"}) as broker:
        p = run([CLIENT, broker.bootstrap], timeout=240, check_rc=False)
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


if __name__ == "__main__":
    sys.exit(main(test_librdkafka_client))
