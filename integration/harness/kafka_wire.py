"""Minimal raw Kafka wire client for tests that must control the bytes on the socket.

Hand-written: ApiVersions v0, Metadata v1, ListOffsets v1, Fetch v4 (non-flexible,
request header v1). Any other request goes through Connection.call(), which encodes
and decodes from the JSON schemas (kafka_schema.py), and Connection.replay() sends
captured request bytes (a Java client's) with only the correlation id changed.
Record batches (magic 2) are decoded and CRC-32C checked so tests can see exactly
what the broker stored.
"""
import socket
import struct
import time
import zlib

import kafka_schema

API_PRODUCE, API_FETCH, API_LIST_OFFSETS, API_METADATA, API_API_VERSIONS = 0, 1, 2, 3, 18
API_NAMES = {0: "Produce", 1: "Fetch", 2: "ListOffsets", 3: "Metadata", 8: "OffsetCommit",
             9: "OffsetFetch", 10: "FindCoordinator", 11: "JoinGroup", 12: "Heartbeat",
             13: "LeaveGroup", 14: "SyncGroup", 15: "DescribeGroups", 16: "ListGroups",
             18: "ApiVersions", 19: "CreateTopics", 20: "DeleteTopics", 23: "OffsetForLeaderEpoch",
             21: "DeleteRecords", 32: "DescribeConfigs", 33: "AlterConfigs", 35: "DescribeLogDirs",
             37: "CreatePartitions", 42: "DeleteGroups", 43: "ElectLeaders",
             44: "IncrementalAlterConfigs", 45: "AlterPartitionReassignments",
             46: "ListPartitionReassignments", 47: "OffsetDelete", 60: "DescribeCluster",
             69: "ConsumerGroupDescribe", 75: "DescribeTopicPartitions"}
API_NAMES.update({22: "InitProducerId", 61: "DescribeProducers"})  # producer ids
API_NAMES.update({24: "AddPartitionsToTxn", 25: "AddOffsetsToTxn", 26: "EndTxn", 28: "TxnOffsetCommit",
                  65: "DescribeTransactions", 66: "ListTransactions"})  # transactions
CODECS = {0: "none", 1: "gzip", 2: "snappy", 3: "lz4", 4: "zstd"}


class Closed(Exception):
    """The peer closed the connection."""


# ---------------------------------------------------------------- encoding
def i8(v): return struct.pack(">b", v)
def i16(v): return struct.pack(">h", v)
def i32(v): return struct.pack(">i", v)
def i64(v): return struct.pack(">q", v)


def string(s):
    if s is None:
        return i16(-1)
    b = s.encode()
    return i16(len(b)) + b


def array(items, encode):
    if items is None:
        return i32(-1)
    return i32(len(items)) + b"".join(encode(x) for x in items)


def request_header(api_key, api_version, correlation_id, client_id="fjord-it"):
    return i16(api_key) + i16(api_version) + i32(correlation_id) + string(client_id)


def frame(payload):
    return i32(len(payload)) + payload


# ---------------------------------------------------------------- decoding
class Buf:
    def __init__(self, data, pos=0):
        self.data, self.pos = data, pos

    def take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise ValueError(f"truncated: need {n} bytes at {self.pos} of {len(self.data)}")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def unpack(self, fmt):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def i8(self): return self.unpack(">b")
    def i16(self): return self.unpack(">h")
    def i32(self): return self.unpack(">i")
    def u32(self): return self.unpack(">I")
    def i64(self): return self.unpack(">q")
    def bool(self): return self.i8() != 0

    def string(self):
        n = self.i16()
        return None if n < 0 else self.take(n).decode()

    def bytes(self):
        n = self.i32()
        return None if n < 0 else self.take(n)

    def array(self, decode):
        n = self.i32()
        return None if n < 0 else [decode(self) for _ in range(n)]

    def varint(self):
        """Zig-zag signed varint, as used inside records."""
        shift = result = 0
        while True:
            b = self.take(1)[0]
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                break
            shift += 7
            if shift > 63:
                raise ValueError("varint too long")
        return (result >> 1) ^ -(result & 1)

    def remaining(self):
        return len(self.data) - self.pos


# ---------------------------------------------------------------- connection
class Connection:
    def __init__(self, host_port, timeout=10.0):
        self.sock = socket.create_connection(host_port, timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.next_correlation = 1

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def send_raw(self, data):
        self.sock.sendall(data)

    def _recv_exact(self, n, deadline):
        chunks, got = [], 0
        while got < n:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(n - got)
            except ConnectionResetError:
                raise Closed()
            if not chunk:
                raise Closed()
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def recv_frame(self, timeout=None):
        """One response frame (without the size prefix). Raises Closed or socket.timeout."""
        deadline = time.monotonic() + (timeout or self.timeout)
        size = struct.unpack(">i", self._recv_exact(4, deadline))[0]
        if size < 4 or size > 256 * 1024 * 1024:
            raise ValueError(f"implausible response size {size}")
        return self._recv_exact(size, deadline)

    def send_request(self, api_key, api_version, body):
        correlation = self.next_correlation
        self.next_correlation += 1
        self.send_raw(frame(request_header(api_key, api_version, correlation) + body))
        return correlation

    def request(self, api_key, api_version, body, timeout=None):
        """Send one request and return a Buf positioned after the correlation id."""
        correlation = self.send_request(api_key, api_version, body)
        return self.read_response(correlation, timeout)

    def read_response(self, correlation, timeout=None):
        buf = Buf(self.recv_frame(timeout))
        got = buf.i32()
        if got != correlation:
            raise ValueError(f"correlation id {got}, expected {correlation}")
        return buf

    def call(self, api, version, values=None, timeout=None, client_id="fjord-it"):
        """Send request `api` ("JoinGroup", ...) at `version` with the given fields (the
        rest take their schema defaults); return the decoded response as a dict."""
        correlation = self.send_call(api, version, values, client_id)
        return self.read_call(api, version, correlation, timeout)

    def send_call(self, api, version, values=None, client_id="fjord-it"):
        m = kafka_schema.message(api + "Request")
        correlation = self.next_correlation
        self.next_correlation += 1
        header = kafka_schema.request_header(m.api_key, version, correlation, client_id,
                                             version in m.flexible)
        self.send_raw(frame(header + kafka_schema.encode(m, version, values or {})))
        return correlation

    def read_call(self, api, version, correlation, timeout=None):
        buf = self.read_response(correlation, timeout)
        # Response header v1 (a tagged-field section) for flexible versions, except
        # ApiVersions, whose response header is always v0.
        if api != "ApiVersions" and kafka_schema.is_flexible(api + "Response", version):
            kafka_schema.skip_tagged_fields(buf)
        return kafka_schema.decode(api + "Response", version, buf)

    def replay(self, request, timeout=None):
        """Send a captured request (header + body, no size prefix) with this connection's
        next correlation id; return the decoded response."""
        api_key, version = struct.unpack(">hh", request[:4])
        correlation = self.next_correlation
        self.next_correlation += 1
        self.send_raw(frame(request[:4] + i32(correlation) + request[8:]))
        return self.read_call(API_NAMES[api_key], version, correlation, timeout)

    def answers_or_closes(self, timeout):
        """After bad input: 'answered' if a frame came back, 'closed' if the broker
        hung up, 'silent' if neither happened within timeout."""
        try:
            self.recv_frame(timeout)
            return "answered"
        except (Closed, ConnectionResetError, BrokenPipeError):
            return "closed"
        except (socket.timeout, TimeoutError):
            return "silent"
        except ValueError:
            return "answered"  # a frame came back, even if odd-looking


# ---------------------------------------------------------------- requests
def api_versions(conn, version=0):
    """ApiVersions v0 (v0 layout). Returns (error_code, {api_key: (min, max)})."""
    buf = conn.request(API_API_VERSIONS, version, b"")
    return parse_api_versions_v0(buf)


def parse_api_versions_v0(buf):
    error = buf.i16()
    keys = buf.array(lambda b: (b.i16(), b.i16(), b.i16())) or []
    return error, {k: (lo, hi) for k, lo, hi in keys}


def metadata(conn, topics=None):
    """Metadata v1. topics=None asks for all topics. Returns dict with brokers/topics."""
    buf = conn.request(API_METADATA, 1, array(topics, string))
    brokers = buf.array(lambda b: {"node_id": b.i32(), "host": b.string(), "port": b.i32(),
                                    "rack": b.string()})
    controller = buf.i32()

    def partition(b):
        return {"error": b.i16(), "partition": b.i32(), "leader": b.i32(),
                "replicas": b.array(lambda x: x.i32()), "isr": b.array(lambda x: x.i32())}

    topics_out = buf.array(lambda b: {"error": b.i16(), "name": b.string(), "internal": b.bool(),
                                      "partitions": b.array(partition)})
    return {"brokers": brokers, "controller_id": controller,
            "topics": {t["name"]: t for t in topics_out}}


def list_offsets(conn, topic, partition, timestamp):
    """ListOffsets v1 (-1 latest, -2 earliest). Returns (error, timestamp, offset)."""
    body = i32(-1) + array([topic], lambda t: string(t) + array(
        [partition], lambda p: i32(p) + i64(timestamp)))
    buf = conn.request(API_LIST_OFFSETS, 1, body)
    topics = buf.array(lambda b: (b.string(), b.array(
        lambda p: (p.i32(), p.i16(), p.i64(), p.i64()))))
    _, parts = topics[0]
    _, error, ts, offset = parts[0]
    return error, ts, offset


def fetch_request_body(topic, partition, offset, max_wait_ms=0, min_bytes=1,
                       max_bytes=8 * 1024 * 1024):
    return (i32(-1) + i32(max_wait_ms) + i32(min_bytes) + i32(max_bytes) + i8(0)
            + array([topic], lambda t: string(t) + array(
                [partition], lambda p: i32(p) + i64(offset) + i32(max_bytes))))


def parse_fetch_v4(buf):
    """Returns (error, high_watermark, records_bytes) for the single partition asked."""
    buf.i32()  # throttle_time_ms
    responses = buf.array(lambda b: (b.string(), b.array(lambda p: (
        p.i32(), p.i16(), p.i64(), p.i64(),
        p.array(lambda a: (a.i64(), a.i64())), p.bytes()))))
    _, parts = responses[0]
    _, error, hwm, _, _, records = parts[0]
    return error, hwm, records or b""


def fetch(conn, topic, partition, offset, max_wait_ms=0, min_bytes=1, timeout=None):
    buf = conn.request(API_FETCH, 4, fetch_request_body(topic, partition, offset,
                                                       max_wait_ms, min_bytes), timeout)
    return parse_fetch_v4(buf)


# ---------------------------------------------------------------- record batches
def _crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _CRC32C[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def varint(v):
    """A zig-zag varint, as inside record batches."""
    z = (v << 1) ^ (v >> 63)
    out = bytearray()
    while True:
        b, z = z & 0x7F, z >> 7
        out.append(b | 0x80 if z else b)
        if not z:
            return bytes(out)


def record_batch(values, timestamp=0):
    """An uncompressed magic-2 batch of `values` (no keys, no headers) at base offset 0."""
    records = b""
    for i, v in enumerate(values):
        body = i8(0) + varint(0) + varint(i) + varint(-1) + varint(len(v)) + v + varint(0)
        records += varint(len(body)) + body
    after_crc = (i16(0) + i32(len(values) - 1) + i64(timestamp) + i64(timestamp)
                 + i64(-1) + i16(-1) + i32(-1) + i32(len(values)) + records)
    return (i64(0) + i32(4 + 1 + 4 + len(after_crc)) + i32(-1) + i8(2)
            + struct.pack(">I", crc32c(after_crc)) + after_crc)


def produce_body(topic, partition, records, acks=-1, records_length=None):
    """Produce v3-v8 with one records field (its length prefix may lie)."""
    length = len(records) if records_length is None else records_length
    return (string(None) + i16(acks) + i32(30000) + i32(1) + string(topic) + i32(1)
            + i32(partition) + i32(length) + records)


def produce(conn, topic, partition, records, acks=-1, version=7):
    """Produce v7 of one records field; returns (error_code, base_offset)."""
    buf = conn.request(API_PRODUCE, version, produce_body(topic, partition, records, acks))
    buf.i32()  # topics
    buf.string()
    buf.i32()  # partitions
    buf.i32()  # index
    return buf.i16(), buf.i64()


def parse_batches(records):
    """Yield dicts for each complete magic-2 batch in a Fetch records blob. A trailing
    partial batch (allowed by the protocol) is ignored. Records are decoded for
    uncompressed and gzip batches; others carry records=None."""
    buf = Buf(records)
    while buf.remaining() >= 12:
        base_offset = buf.i64()
        length = buf.i32()
        if length > buf.remaining():
            return
        body = Buf(buf.take(length))
        batch = {"base_offset": base_offset, "leader_epoch": body.i32(), "magic": body.i8()}
        if batch["magic"] != 2:
            raise ValueError(f"unexpected magic {batch['magic']} at offset {base_offset}")
        crc = body.u32()
        batch["crc_ok"] = crc32c(body.data[body.pos:]) == crc
        attributes = body.i16()
        batch.update(attributes=attributes, codec=CODECS.get(attributes & 7, "?"),
                     last_offset_delta=body.i32(), base_timestamp=body.i64(),
                     max_timestamp=body.i64(), producer_id=body.i64(),
                     producer_epoch=body.i16(), base_sequence=body.i32(), count=body.i32())
        payload = body.take(body.remaining())
        if batch["codec"] == "gzip":
            payload = zlib.decompress(payload, 16 + zlib.MAX_WBITS)
        batch["records"] = (_parse_records(Buf(payload), batch)
                            if batch["codec"] in ("none", "gzip") else None)
        yield batch


def _parse_records(buf, batch):
    out = []
    for _ in range(batch["count"]):
        length = buf.varint()
        rec = Buf(buf.take(length))
        rec.i8()  # attributes
        ts_delta = rec.varint()
        offset_delta = rec.varint()
        klen = rec.varint()
        key = None if klen < 0 else rec.take(klen)
        vlen = rec.varint()
        value = None if vlen < 0 else rec.take(vlen)
        headers = []
        for _ in range(rec.varint()):
            hk = rec.take(rec.varint()).decode()
            hl = rec.varint()
            headers.append((hk, None if hl < 0 else rec.take(hl)))
        out.append({"offset": batch["base_offset"] + offset_delta,
                    "timestamp": batch["base_timestamp"] + ts_delta,
                    "key": key, "value": value, "headers": headers})
    return out


def read_all(host_port, topic, partition=0, start=0, timeout=30.0):
    """Fetch a partition from start to its high watermark. Returns (records, batches)."""
    records, batches = [], []
    offset = start
    deadline = time.monotonic() + timeout
    with Connection(host_port) as conn:
        while True:
            error, hwm, blob = fetch(conn, topic, partition, offset)
            if error != 0:
                raise ValueError(f"fetch {topic}/{partition}@{offset}: error {error}")
            if offset >= hwm:
                return records, batches
            progressed = False
            for batch in parse_batches(blob):
                batches.append(batch)
                for r in batch["records"] or []:
                    if r["offset"] >= offset:
                        records.append(r)
                end = batch["base_offset"] + batch["last_offset_delta"] + 1
                if end > offset:
                    offset, progressed = end, True
            if not progressed:
                if time.monotonic() > deadline:
                    raise ValueError(f"no progress fetching {topic}/{partition} at {offset}")
                time.sleep(0.05)
