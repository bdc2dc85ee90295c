#!/usr/bin/python3
"""Regenerates ../golden_librdkafka.h: the exact record batches librdkafka
(via kcat) sends for each compression codec. A minimal fake broker on
127.0.0.1 answers ApiVersions, Metadata v0-1 and Produce v3-7 and keeps the
records bytes of each Produce request. Run with Debian's /usr/bin/python3."""
import socket
import struct
import subprocess
import sys
import threading

CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
# Compressible values so librdkafka does not fall back to uncompressed.
MESSAGES = [("key-%d" % i, "value-%d " % i + "fjord-librdkafka-golden " * 8) for i in range(3)]


def uvarint(n):
    out = b""
    while n >= 0x80:
        out += bytes([(n & 0x7F) | 0x80])
        n >>= 7
    return out + bytes([n])


def read_uvarint(buf, pos):
    shift = value = 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7


def string(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


class FakeBroker:
    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.captured = []
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        buf = b""
        try:
            while True:
                while len(buf) < 4 or len(buf) < 4 + struct.unpack(">i", buf[:4])[0]:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                n = struct.unpack(">i", buf[:4])[0]
                frame, buf = buf[4:4 + n], buf[4 + n:]
                body = self.handle(frame)
                if body is not None:
                    conn.sendall(struct.pack(">i", len(body)) + body)
        finally:
            conn.close()

    def handle(self, frame):
        key, version, corr = struct.unpack(">hhi", frame[:8])
        clen = struct.unpack(">h", frame[8:10])[0]
        pos = 10 + max(clen, 0)
        flexible = (key == 18 and version >= 3)
        if flexible:
            _, pos = read_uvarint(frame, pos)  # header tagged fields (empty)
        header = struct.pack(">i", corr)
        if key == 18:  # ApiVersions
            # FindCoordinator is only advertised because librdkafka gates its LZ4
            # feature on it; it is never called.
            apis = [(0, 0, 7), (1, 0, 11), (3, 0, 1), (10, 0, 0), (18, 0, 3)]
            if version >= 3:
                body = struct.pack(">h", 0) + uvarint(len(apis) + 1)
                for a in apis:
                    body += struct.pack(">hhh", *a) + b"\x00"
                body += struct.pack(">i", 0) + b"\x00"
            else:
                body = struct.pack(">hi", 0, len(apis)) + b"".join(struct.pack(">hhh", *a) for a in apis)
                if version >= 1:
                    body += struct.pack(">i", 0)
            return header + body
        if key == 3:  # Metadata v0/v1
            body = struct.pack(">i", 1) + struct.pack(">i", 1) + string("127.0.0.1") + struct.pack(">i", self.port)
            if version >= 1:
                body += struct.pack(">h", -1) + struct.pack(">i", 1)  # rack null, controller id
            body += struct.pack(">i", 1) + struct.pack(">h", 0) + string("golden")
            if version >= 1:
                body += b"\x00"  # is_internal
            body += struct.pack(">i", 1) + struct.pack(">hii", 0, 0, 1)
            body += struct.pack(">ii", 1, 1) + struct.pack(">ii", 1, 1)
            return header + body
        if key == 0:  # Produce v3-v7
            tlen = struct.unpack(">h", frame[pos:pos + 2])[0]
            pos += 2 + max(tlen, 0)
            acks, _timeout, ntopics = struct.unpack(">hii", frame[pos:pos + 10])
            pos += 10
            out = struct.pack(">i", ntopics)
            for _ in range(ntopics):
                nlen = struct.unpack(">h", frame[pos:pos + 2])[0]
                name = frame[pos + 2:pos + 2 + nlen].decode()
                pos += 2 + nlen
                nparts = struct.unpack(">i", frame[pos:pos + 4])[0]
                pos += 4
                out += string(name) + struct.pack(">i", nparts)
                for _ in range(nparts):
                    index, rlen = struct.unpack(">ii", frame[pos:pos + 8])
                    pos += 8
                    self.captured.append(frame[pos:pos + rlen])
                    pos += rlen
                    out += struct.pack(">ihqqq", index, 0, 0, -1, 0)
            out += struct.pack(">i", 0)
            return None if acks == 0 else header + out
        return None


def capture(codec):
    broker = FakeBroker()
    lines = "".join("%s:%s\n" % kv for kv in MESSAGES)
    subprocess.run(["kcat", "-P", "-b", "127.0.0.1:%d" % broker.port, "-t", "golden", "-p", "0", "-K:",
                    "-z", codec, "-X", "linger.ms=200"],
                   input=lines.encode(), check=True, timeout=30)
    broker.sock.close()
    if len(broker.captured) != 1:
        sys.exit("%s: expected one produce, got %d" % (codec, len(broker.captured)))
    return broker.captured[0]


def main():
    out = sys.stdout
    version = [l for l in subprocess.run(["kcat", "-V"], stdout=subprocess.PIPE).stdout.decode().split("\n")
               if "librdkafka" in l]
    out.write("#pragma once\n// Generated by golden/capture_librdkafka.py (%s); do not edit.\n"
              % (version[0].strip() if version else "kcat"))
    out.write("#include <cstdint>\n#include <vector>\n\nnamespace golden {\n\n")
    out.write("inline constexpr int kRdkafkaMessages = %d;\n" % len(MESSAGES))
    out.write("inline constexpr const char* kRdkafkaValueTail = \"%s\";\n" % ("fjord-librdkafka-golden " * 8))
    for codec in CODECS:
        data = capture(codec)
        out.write("inline const std::vector<uint8_t> kRdkafka%s = {\n" % codec.capitalize())
        for i in range(0, len(data), 16):
            out.write("    " + ", ".join("0x%02x" % c for c in data[i:i + 16]) + ",\n")
        out.write("};\n")
    out.write("\n}  // namespace golden\n")


main()
