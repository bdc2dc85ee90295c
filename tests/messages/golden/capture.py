#!/usr/bin/python3
"""Capture real client requests as golden test data (not run by ctest).

Starts a tiny fake broker on 127.0.0.1 (random port), runs one real client
against it, answers just enough for the client to reach the request we want,
and writes every captured request frame (header + body, without the 4-byte
size) as a hex file next to this script. The fake broker's own responses are
saved too (*_response_*.hex): they were hand-built here, independently of the
generated C++ codecs, and the real client accepted them.

Usage (from any directory; python3 stdlib only, plus the client under test):
  /usr/bin/python3 capture.py kcat          # librdkafka via kcat: ApiVersions v3,
                                            # Metadata v4, Produce v7 (lz4)
  /usr/bin/python3 capture.py kcat-consume  # kcat -C: ListOffsets v2, Fetch v11
  /usr/bin/python3 capture.py kcat-idempotent  # InitProducerId v4 (flexible)
  /usr/bin/python3 capture.py kafka-python  # ApiVersions v0 + Metadata v0 probe
  /usr/bin/python3 capture.py kafkajs DIR   # ApiVersions v2 (DIR has node_modules/kafkajs)

The client process is always stopped before the script exits.
"""
import os
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# What the fake broker advertises in ApiVersions: a realistic Kafka 2.x-era
# range that makes librdkafka pick ApiVersions v3, Metadata v4 and Produce v7
# (and enables lz4, which needs Produce v0 in the range).
ADVERTISED = [
    (0, 0, 7),   # Produce
    (1, 0, 11),  # Fetch
    (2, 0, 2),   # ListOffsets
    (3, 0, 4),   # Metadata
    (8, 0, 7),   # OffsetCommit
    (9, 0, 7),   # OffsetFetch
    (10, 0, 2),  # FindCoordinator
    (11, 0, 5),  # JoinGroup
    (12, 0, 3),  # Heartbeat
    (13, 0, 1),  # LeaveGroup
    (14, 0, 3),  # SyncGroup
    (18, 0, 3),  # ApiVersions
    (22, 0, 4),  # InitProducerId
]

API_NAMES = {0: "produce", 1: "fetch", 2: "list_offsets", 3: "metadata", 18: "api_versions",
             10: "find_coordinator", 22: "init_producer_id"}


def uvarint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def classic_string(s):
    if s is None:
        return struct.pack(">h", -1)
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def compact_string(s):
    b = s.encode()
    return uvarint(len(b) + 1) + b


def api_versions_response(version):
    body = struct.pack(">h", 0)  # error_code
    if version >= 3:
        body += uvarint(len(ADVERTISED) + 1)
        for key, lo, hi in ADVERTISED:
            body += struct.pack(">hhh", key, lo, hi) + uvarint(0)
        body += struct.pack(">i", 0) + uvarint(0)  # throttle_time_ms, tags
    else:
        body += struct.pack(">i", len(ADVERTISED))
        for key, lo, hi in ADVERTISED:
            body += struct.pack(">hhh", key, lo, hi)
        if version >= 1:
            body += struct.pack(">i", 0)
    return body


def metadata_response(version, port, topics):
    """Metadata v0-v4: one broker (this listener), each topic with partition 0 led by it."""
    body = b""
    if version >= 3:
        body += struct.pack(">i", 0)  # throttle_time_ms
    body += struct.pack(">i", 1) + struct.pack(">i", 0) + classic_string("127.0.0.1") + struct.pack(">i", port)
    if version >= 1:
        body += classic_string(None)  # rack
    if version >= 2:
        body += classic_string("fjord-golden")  # cluster_id
    if version >= 1:
        body += struct.pack(">i", 0)  # controller_id
    body += struct.pack(">i", len(topics))
    for t in topics:
        body += struct.pack(">h", 0) + classic_string(t)
        if version >= 1:
            body += b"\x00"  # is_internal
        body += struct.pack(">i", 1)  # one partition
        body += struct.pack(">hii", 0, 0, 0)  # error, index, leader
        body += struct.pack(">ii", 1, 0) + struct.pack(">ii", 1, 0)  # replicas, isr
    return body


def produce_response(version, topic_partitions):
    body = struct.pack(">i", len(topic_partitions))
    for topic, partitions in topic_partitions:
        body += classic_string(topic) + struct.pack(">i", len(partitions))
        for p in partitions:
            body += struct.pack(">ihq", p, 0, 0)  # index, error, base_offset
            if version >= 2:
                body += struct.pack(">q", -1)  # log_append_time_ms
            if version >= 5:
                body += struct.pack(">q", 0)  # log_start_offset
    if version >= 1:
        body += struct.pack(">i", 0)  # throttle_time_ms
    return body


def list_offsets_response(version, topic_partitions):
    """ListOffsets v1-v3: offset 0 for every partition asked for."""
    body = struct.pack(">i", 0) if version >= 2 else b""  # throttle_time_ms
    body += struct.pack(">i", len(topic_partitions))
    for topic, partitions in topic_partitions:
        body += classic_string(topic) + struct.pack(">i", len(partitions))
        for p in partitions:
            body += struct.pack(">ihqq", p, 0, -1, 0)  # index, error, timestamp, offset
    return body


def parse_list_offsets_topics(frame, header_end, version):
    pos = header_end + 4 + (1 if version >= 2 else 0)  # replica_id, isolation_level
    (n_topics,) = struct.unpack_from(">i", frame, pos)
    pos += 4
    out = []
    for _ in range(n_topics):
        (n,) = struct.unpack_from(">h", frame, pos)
        name = frame[pos + 2:pos + 2 + n].decode()
        pos += 2 + n
        (n_parts,) = struct.unpack_from(">i", frame, pos)
        pos += 4
        parts = []
        for _ in range(n_parts):
            (idx,) = struct.unpack_from(">i", frame, pos)
            pos += 4 + 8
            parts.append(idx)
        out.append((name, parts))
    return out


def parse_produce_topics(frame, header_end):
    """Topic/partition pairs of a classic (v3-v8) Produce body, for the reply."""
    pos = header_end
    (tid_len,) = struct.unpack_from(">h", frame, pos)
    pos += 2 + max(tid_len, 0) + 2 + 4
    (n_topics,) = struct.unpack_from(">i", frame, pos)
    pos += 4
    out = []
    for _ in range(n_topics):
        (n,) = struct.unpack_from(">h", frame, pos)
        name = frame[pos + 2:pos + 2 + n].decode()
        pos += 2 + n
        (n_parts,) = struct.unpack_from(">i", frame, pos)
        pos += 4
        parts = []
        for _ in range(n_parts):
            idx, rec_len = struct.unpack_from(">ii", frame, pos)
            pos += 8 + max(rec_len, 0)
            parts.append(idx)
        out.append((name, parts))
    return out


def parse_metadata_topics(frame, header_end, version):
    pos = header_end
    (n,) = struct.unpack_from(">i", frame, pos)
    pos += 4
    topics = []
    for _ in range(max(n, 0)):
        (ln,) = struct.unpack_from(">h", frame, pos)
        topics.append(frame[pos + 2:pos + 2 + ln].decode())
        pos += 2 + ln
    return topics


def write_hex(name, data, note):
    path = os.path.join(HERE, name)
    with open(path, "w") as f:
        f.write(f"# {note}\n")
        f.write(f"# {len(data)} bytes: request/response header + body, without the size prefix\n")
        h = data.hex()
        for i in range(0, len(h), 64):
            f.write(h[i:i + 64] + "\n")
    print("wrote", path)


class FakeBroker:
    def __init__(self, prefix, wanted):
        self.prefix = prefix
        self.wanted = set(wanted)  # (api_key, version) pairs still to capture
        self.captured = {}
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.done = threading.Event()

    def serve(self, deadline):
        self.sock.settimeout(0.2)
        while time.time() < deadline and not self.done.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            threading.Thread(target=self.handle, args=(conn, deadline), daemon=True).start()
        self.sock.close()

    def handle(self, conn, deadline):
        conn.settimeout(0.5)
        buf = b""
        try:
            while time.time() < deadline and not self.done.is_set():
                try:
                    chunk = conn.recv(65536)
                except socket.timeout:
                    continue
                if not chunk:
                    return
                buf += chunk
                while len(buf) >= 4:
                    (size,) = struct.unpack(">i", buf[:4])
                    if len(buf) < 4 + size:
                        break
                    frame, buf = buf[4:4 + size], buf[4 + size:]
                    reply = self.on_request(frame)
                    if reply is not None:
                        conn.sendall(struct.pack(">i", len(reply)) + reply)
        finally:
            conn.close()

    def on_request(self, frame):
        key, version, corr = struct.unpack_from(">hhi", frame, 0)
        (cid_len,) = struct.unpack_from(">h", frame, 8)
        header_end = 10 + max(cid_len, 0)
        flexible = (key == 18 and version >= 3) or (key == 0 and version >= 9) or (key == 3 and version >= 9)
        if flexible:
            header_end += 1  # empty tagged-field section in request header v2
        name = f"{self.prefix}_{API_NAMES.get(key, 'api' + str(key))}_v{version}"
        if (key, version) in self.wanted and name not in self.captured:
            self.captured[name] = frame
        if key == 18:
            body = api_versions_response(version)
            header = struct.pack(">i", corr)  # ApiVersions responses always use header v0
            self.captured.setdefault(f"{self.prefix}_response_api_versions_v{version}", header + body)
            reply = header + body
        elif key == 3:
            topics = parse_metadata_topics(frame, header_end, version)
            reply = struct.pack(">i", corr) + metadata_response(version, self.port, topics)
        elif key == 2:
            reply = struct.pack(">i", corr) + list_offsets_response(
                version, parse_list_offsets_topics(frame, header_end, version))
        elif key == 0:
            reply = struct.pack(">i", corr) + produce_response(version, parse_produce_topics(frame, header_end))
        else:
            reply = None  # not needed for the captures
        if all(any(n.endswith(f"_{API_NAMES.get(k, 'api' + str(k))}_v{v}") for n in self.captured)
               for k, v in self.wanted):
            threading.Timer(0.3, self.done.set).start()
        return reply


def run(prefix, wanted, argv_for_port, stdin=None, timeout=20, env=None, cwd=None):
    broker = FakeBroker(prefix, wanted)
    deadline = time.time() + timeout
    server = threading.Thread(target=broker.serve, args=(deadline,))
    server.start()
    proc = subprocess.Popen(argv_for_port(broker.port), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd=cwd)
    try:
        if stdin is not None:
            proc.stdin.write(stdin)
        proc.stdin.close()
        broker.done.wait(timeout)
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        broker.done.set()
        server.join()
    return broker.captured


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what == "kcat":
        captured = run("kcat", [(18, 3), (3, 4), (0, 7)],
                       lambda port: ["kcat", "-P", "-b", f"127.0.0.1:{port}", "-t", "golden", "-p", "0",
                                     "-z", "lz4", "-X", "client.id=fjord-golden", "-K", ":"],
                       stdin=b"key1:hello golden lz4 hello golden lz4 hello golden lz4\n")
        notes = {"kcat_api_versions_v3": "kcat (librdkafka 2.0.2) ApiVersions v3 request",
                 "kcat_metadata_v4": "kcat (librdkafka 2.0.2) Metadata v4 request, topics=[golden]",
                 "kcat_produce_v7": "kcat -P -z lz4 (librdkafka 2.0.2) Produce v7 request, one lz4 batch",
                 "kcat_response_api_versions_v3": "capture.py's hand-built ApiVersions v3 response "
                                                  "(header v0), accepted by librdkafka 2.0.2"}
    elif what == "kcat-consume":
        captured = run("kcat", [(18, 3), (2, 2), (1, 11)],
                       lambda port: ["kcat", "-C", "-b", f"127.0.0.1:{port}", "-t", "golden", "-p", "0",
                                     "-o", "beginning", "-e", "-X", "client.id=fjord-golden"])
        notes = {"kcat_list_offsets_v2": "kcat -C -o beginning (librdkafka 2.0.2) ListOffsets v2 request",
                 "kcat_fetch_v11": "kcat -C (librdkafka 2.0.2) Fetch v11 request (sessionless)"}
    elif what == "kcat-idempotent":
        captured = run("kcat", [(22, 4)],
                       lambda port: ["kcat", "-P", "-b", f"127.0.0.1:{port}", "-t", "golden", "-p", "0",
                                     "-X", "enable.idempotence=true", "-X", "client.id=fjord-golden"],
                       stdin=b"idempotent\n")
        notes = {"kcat_init_producer_id_v4": "kcat -P -X enable.idempotence=true (librdkafka 2.0.2) "
                                             "InitProducerId v4 request (flexible, header v2)"}
    elif what == "kafka-python":
        script = ("import kafka,sys; p=int(sys.argv[1]);\n"
                  "c=kafka.KafkaClient(bootstrap_servers='127.0.0.1:%d'%p, client_id='fjord-golden',"
                  " request_timeout_ms=3000, api_version_auto_timeout_ms=3000)\n")
        captured = run("kafka_python", [(18, 0), (3, 0)],
                       lambda port: ["/usr/bin/python3", "-c", script, str(port)])
        notes = {"kafka_python_api_versions_v0": "kafka-python 2.0.2 version probe: ApiVersions v0 request",
                 "kafka_python_metadata_v0": "kafka-python 2.0.2 version probe: Metadata v0 request "
                                             "(pipelined after ApiVersions v0)"}
    elif what == "kafkajs":
        moddir = sys.argv[2]
        script = ("const {Kafka,logLevel}=require('kafkajs');"
                  "const k=new Kafka({clientId:'fjord-golden',brokers:['127.0.0.1:'+process.argv[1]],"
                  "logLevel:logLevel.NOTHING,retry:{retries:0}});"
                  "const a=k.admin();a.connect().catch(()=>{}).finally(()=>setTimeout(()=>process.exit(0),2000));")
        captured = run("kafkajs", [(18, 2)], lambda port: ["node", "-e", script, str(port)], cwd=moddir)
        notes = {"kafkajs_api_versions_v2": "kafkajs 2.2.4 ApiVersions v2 request",
                 "kafkajs_response_api_versions_v2": "capture.py's hand-built ApiVersions v2 response"}
    else:
        sys.exit(__doc__)
    for name, note in notes.items():
        match = [n for n in captured if n == name or (n.startswith(name) and name.endswith("_v7"))]
        if not match:
            print("NOT captured:", name, "(got:", sorted(captured), ")")
            continue
        fname = name + ("_lz4" if name == "kcat_produce_v7" else "") + ".hex"
        write_hex(fname, captured[match[0]], note)


if __name__ == "__main__":
    main()
