#!/usr/bin/python3
"""Long-poll: a Fetch parked with a large max_wait is woken by an append, not by its timer."""
import os
import select
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))
from broker import Broker  # noqa: E402
from testing import check, main, require_tool, run  # noqa: E402
import kafka_wire as kw  # noqa: E402

KCAT = require_tool("kcat")
TOPIC = "long-poll"
OVERRIDES = {"num.partitions": 1, "auto.create.topics.enable": "true"}


def produce_one(broker, value):
    run([KCAT, "-P", "-b", broker.bootstrap, "-t", TOPIC, "-p", "0"], timeout=30,
        input=value.encode() + b"\n")


def response_pending(conn, seconds):
    readable, _, _ = select.select([conn.sock], [], [], seconds)
    return bool(readable)


def test_parked_fetch_woken_by_append():
    with Broker(overrides=OVERRIDES) as broker:
        produce_one(broker, "first")
        with kw.Connection(broker.host_port) as conn:
            error, _, end = kw.list_offsets(conn, TOPIC, 0, -1)
            check(error == 0 and end == 1, f"ListOffsets latest: error {error}, offset {end}")
            parked_at = time.monotonic()
            correlation = conn.send_request(kw.API_FETCH, 4, kw.fetch_request_body(
                TOPIC, 0, 1, max_wait_ms=5000, min_bytes=1))
            check(not response_pending(conn, 1.0),
                  "Fetch with min_bytes=1 at the log end answered before any data arrived")

            # While that fetch is parked, other clients are served normally.
            with kw.Connection(broker.host_port) as other:
                started = time.monotonic()
                error, versions = kw.api_versions(other)
                check(error == 0 and kw.API_FETCH in versions, "ApiVersions failed while parked")
                check(time.monotonic() - started < 1.0, "other connection stalled by parked fetch")

            produce_started = time.monotonic()
            produce_one(broker, "second")
            error, hwm, blob = kw.parse_fetch_v4(conn.read_response(correlation, timeout=10))
            woke = time.monotonic()
            check(error == 0, f"Fetch error {error}")
            latency = woke - produce_started
            print(f"parked {woke - parked_at:.2f}s, woken {latency:.3f}s after produce started")
            check(latency < 2.0, f"fetch answered {latency:.2f}s after the produce; "
                                 "it was not woken by the append (max_wait is 5s)")
            records = [r for b in kw.parse_batches(blob) for r in b["records"]]
            check(any(r["offset"] == 1 and r["value"] == b"second" for r in records),
                  f"woken fetch did not carry the new record: {records}")
            check(hwm == 2, f"high watermark {hwm}, expected 2")


def test_empty_fetch_honours_max_wait():
    with Broker(overrides=OVERRIDES) as broker:
        produce_one(broker, "only")
        with kw.Connection(broker.host_port) as conn:
            started = time.monotonic()
            error, hwm, blob = kw.fetch(conn, TOPIC, 0, 1, max_wait_ms=1000, min_bytes=1,
                                        timeout=10)
            waited = time.monotonic() - started
            check(error == 0 and hwm == 1, f"error {error}, hwm {hwm}")
            check(not list(kw.parse_batches(blob)) or all(
                b["base_offset"] + b["last_offset_delta"] < 1 for b in kw.parse_batches(blob)),
                "empty long-poll returned records past the log end")
            check(0.8 <= waited < 3.0, f"max_wait_ms=1000 fetch returned after {waited:.2f}s")
            # A follow-up request on the same connection still works (ordering intact).
            error, versions = kw.api_versions(conn)
            check(error == 0, "connection unusable after an expired long-poll")


if __name__ == "__main__":
    sys.exit(main(test_parked_fetch_woken_by_append, test_empty_fetch_honours_max_wait))
