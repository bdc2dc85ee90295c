#!/usr/bin/python3
"""Malformed input on a raw socket: the broker answers or closes that connection, never
crashes or hangs, and keeps serving other clients."""
import os
import random
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))
from broker import Broker  # noqa: E402
from testing import check, main  # noqa: E402
import kafka_wire as kw  # noqa: E402

VERDICT_TIMEOUT = 5.0
BROKER = None


def still_serving():
    """A normal client on a fresh connection still gets ApiVersions and Metadata."""
    check(BROKER.proc.poll() is None, f"broker died (exit {BROKER.proc.returncode})")
    with kw.Connection(BROKER.host_port, timeout=5) as conn:
        error, versions = kw.api_versions(conn)
        check(error == 0 and kw.API_METADATA in versions, f"ApiVersions error {error}")
        meta = kw.metadata(conn)
        check(len(meta["brokers"]) == 1 and meta["brokers"][0]["port"] == BROKER.port,
              f"Metadata brokers {meta['brokers']}")


def expect_answer_or_close(payload, what, shutdown_write=False):
    with kw.Connection(BROKER.host_port, timeout=5) as conn:
        try:
            conn.send_raw(payload)
            if shutdown_write:
                conn.sock.shutdown(1)  # SHUT_WR: the frame will never complete
        except (BrokenPipeError, ConnectionResetError):
            verdict = "closed"
        else:
            verdict = conn.answers_or_closes(VERDICT_TIMEOUT)
        print(f"  {what}: {verdict}")
        check(verdict != "silent", f"{what}: broker neither answered nor closed within "
                                   f"{VERDICT_TIMEOUT}s")
    still_serving()
    return verdict


def test_garbage_bytes():
    rng = random.Random(7)
    for i in range(20):
        body = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
        expect_answer_or_close(kw.frame(body), f"garbage frame #{i} ({len(body)} bytes)")


def test_garbage_without_framing():
    # Printable junk: its first four bytes read as a ~1.2 GB size prefix.
    with kw.Connection(BROKER.host_port, timeout=5) as conn:
        conn.send_raw(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        print(f"  HTTP request: {conn.answers_or_closes(2.0)}")
    still_serving()


def test_truncated_frames():
    header = kw.request_header(kw.API_API_VERSIONS, 0, 1)
    # Size prefix promises more than is ever sent, then the client half-closes.
    expect_answer_or_close(struct.pack(">i", 100) + header, "truncated frame + EOF",
                           shutdown_write=True)
    expect_answer_or_close(b"\x00\x00", "half a size prefix + EOF", shutdown_write=True)
    # Complete frames whose content stops early.
    expect_answer_or_close(kw.frame(header[:5]), "header cut inside correlation id")
    expect_answer_or_close(kw.frame(kw.request_header(kw.API_METADATA, 1, 2) + b"\x00\x00\x00"),
                           "Metadata body cut inside the topic count")
    expect_answer_or_close(kw.frame(kw.request_header(kw.API_METADATA, 1, 3)
                                    + kw.i32(1_000_000_000)), "Metadata claiming 1e9 topics")
    expect_answer_or_close(kw.frame(kw.request_header(kw.API_FETCH, 4, 4) + kw.i32(-1)
                                    + kw.i32(100) + kw.i32(1) + kw.i32(1 << 20) + kw.i8(0)
                                    + kw.i32(1) + kw.i16(30000) + b"abc"),
                           "Fetch topic name longer than the frame")
    expect_answer_or_close(kw.frame(kw.i16(kw.API_PRODUCE) + kw.i16(3) + kw.i32(5)
                                    + kw.i16(-5)),
                           "negative client_id length")


def test_huge_size_prefixes():
    for size, what in ((0x80000000, "2 GiB (negative int32) size prefix"),
                       (0x7FFFFFFF, "2 GiB - 1 size prefix"),
                       (0x40000000, "1 GiB size prefix"),
                       (0xFFFFFFFF, "size prefix -1"),
                       (0, "zero size prefix")):
        verdict = expect_answer_or_close(struct.pack(">I", size) + b"\x00" * 64, what)
        check(verdict == "closed" or size == 0,
              f"{what}: expected the broker to close the connection, got {verdict}")


def test_unknown_api_key():
    for key in (9999, 32767, -1, 5):  # 5 = StopReplica, inter-broker only
        expect_answer_or_close(kw.frame(kw.request_header(key, 0, 42)), f"API key {key}")


def test_unsupported_versions():
    with kw.Connection(BROKER.host_port, timeout=5) as conn:
        _, versions = kw.api_versions(conn)
    # ApiVersions at a version above the broker's max gets a v0-layout error 35 answer.
    with kw.Connection(BROKER.host_port, timeout=5) as conn:
        too_new = versions[kw.API_API_VERSIONS][1] + 1
        buf = conn.request(kw.API_API_VERSIONS, too_new, b"")
        error, keys = kw.parse_api_versions_v0(buf)
        check(error == 35, f"ApiVersions v{too_new}: error {error}, expected 35")
        check(kw.API_API_VERSIONS in keys, "error-35 ApiVersions answer must list key 18")
        # The client can then continue on the same connection with a supported version.
        error, _ = kw.api_versions(conn)
        check(error == 0, "ApiVersions v0 after the error-35 answer failed")
    for key in (kw.API_METADATA, kw.API_FETCH, kw.API_PRODUCE):
        lo, hi = versions[key]
        expect_answer_or_close(kw.frame(kw.request_header(key, hi + 1, 7) + b"\x00" * 16),
                               f"API {key} v{hi + 1} (max {hi})")
        expect_answer_or_close(kw.frame(kw.request_header(key, 32000, 8)),
                               f"API {key} v32000")


def test_many_connections_abandoned():
    socks = []
    for i in range(50):
        c = kw.Connection(BROKER.host_port, timeout=5)
        c.send_raw(struct.pack(">i", 1000) + b"partial")
        socks.append(c)
    still_serving()
    for c in socks:
        c.close()
    time.sleep(0.2)
    still_serving()


def test_big_produce_frames():
    # Produce frames of 32 KiB and more are read field by field, their records
    # received into memory the log keeps (docs/storage.md): good batches land
    # whole, a corrupt one gets CORRUPT_MESSAGE, a lying length or a frame cut
    # short closes the connection, and none of them changes the log.
    topic = "big-frames"
    values = [bytes([65 + i % 26]) * (900 + i) for i in range(100)]
    good = kw.record_batch(values)
    with kw.Connection(BROKER.host_port, timeout=10) as conn:
        for n in range(3):  # the first one auto-creates the topic
            error, base = kw.produce(conn, topic, 0, good)
            check(error == 0 and base == 100 * n, f"produce #{n}: error {error}, base offset {base}")
        corrupt = bytearray(good)
        corrupt[-1] ^= 1
        error, _ = kw.produce(conn, topic, 0, bytes(corrupt))
        check(error == 2, f"a big batch with a bad CRC got error {error}, expected 2 (CORRUPT_MESSAGE)")
    header = kw.request_header(kw.API_PRODUCE, 7, 99)
    expect_answer_or_close(kw.frame(header + kw.produce_body(topic, 0, good, records_length=len(good) + 70000)),
                           "big Produce whose records length runs past the frame")
    expect_answer_or_close(kw.frame(header + kw.produce_body(topic, 0, good))[:-40000],
                           "big Produce cut short inside its records", shutdown_write=True)
    records, _ = kw.read_all(BROKER.host_port, topic)
    check(len(records) == 300, f"the log holds {len(records)} records, expected 300")
    for r in records:
        check(r["value"] == values[r["offset"] % 100], f"record {r['offset']} differs")


def run_all():
    global BROKER
    with Broker(overrides={"auto.create.topics.enable": "true"}) as broker:
        BROKER = broker
        still_serving()
        code = main(test_garbage_bytes, test_garbage_without_framing, test_truncated_frames,
                    test_huge_size_prefixes, test_unknown_api_key, test_unsupported_versions,
                    test_big_produce_frames, test_many_connections_abandoned)
    return code


if __name__ == "__main__":
    sys.exit(run_all())
