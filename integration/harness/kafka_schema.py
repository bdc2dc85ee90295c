"""Kafka messages encoded and decoded from the JSON schemas in protocol/schema/, so that
tests can send any request at any version (flexible or not) exactly as a client would.

    codec = Schemas()
    body = codec.encode("DescribeConfigsRequest", 4, {"resources": [...], "include_synonyms": True})
    resp = codec.decode("DescribeConfigsResponse", 4, data)   # dict, snake_case keys

Field names are the schema names in snake_case (as in the generated C++). Missing fields
take the schema default (or 0 / "" / [] / False). Nullable fields accept None.
"""
import json
import os
import re
import struct
import uuid

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                          "protocol", "schema")


def snake(name):
    """ThrottleTimeMs -> throttle_time_ms, V3AndBelowTopics -> v3_and_below_topics."""
    s = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    s = re.sub(r"(?<=[A-Z])([A-Z][a-z])", r"_\1", s)
    return s.lower()


class Versions:
    def __init__(self, text):
        text = (text or "none").strip()
        if text == "none":
            self.lo, self.hi = 1, 0
        elif text.endswith("+"):
            self.lo, self.hi = int(text[:-1]), 1 << 15
        elif "-" in text:
            lo, hi = text.split("-")
            self.lo, self.hi = int(lo), int(hi)
        else:
            self.lo = self.hi = int(text)

    def __contains__(self, v):
        return self.lo <= v <= self.hi


# ---------------------------------------------------------------- primitives
def uvarint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | 0x80 if n else b)
        if not n:
            return bytes(out)


class Reader:
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

    def uvarint(self):
        shift = result = 0
        while True:
            b = self.take(1)[0]
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7

    def remaining(self):
        return len(self.data) - self.pos


PRIMITIVES = {"bool": ">?", "int8": ">b", "int16": ">h", "uint16": ">H", "int32": ">i", "uint32": ">I",
              "int64": ">q", "float64": ">d"}


class Field:
    def __init__(self, spec, structs, flexible):
        self.name = spec["name"]
        self.key = snake(self.name)
        self.type = spec["type"]
        self.versions = Versions(spec.get("versions"))
        self.nullable = Versions(spec.get("nullableVersions"))
        self.tagged = Versions(spec.get("taggedVersions"))
        self.tag = spec.get("tag")
        self.default = spec.get("default")
        # A field may turn off flexible encoding (the header's ClientId).
        self.flexible = Versions(spec["flexibleVersions"]) if "flexibleVersions" in spec else flexible
        inner = self.type[2:] if self.type.startswith("[]") else self.type
        self.struct = None
        if "fields" in spec:
            self.struct = [Field(f, structs, flexible) for f in spec["fields"]]
        elif inner not in PRIMITIVES and inner not in ("string", "bytes", "records", "uuid"):
            self.struct = structs[inner]

    def zero(self, version):
        if self.type.startswith("[]"):
            return []
        if self.struct is not None:
            return None if version in self.nullable else {}
        d = self.default
        if d == "null":
            return None
        if self.type == "bool":
            return d == "true" if isinstance(d, str) else bool(d)
        if self.type in ("string",):
            return d if d is not None else ""
        if self.type in ("bytes", "records"):
            return b""
        if self.type == "uuid":
            return b"\0" * 16
        if self.type == "float64":
            return float(d or 0)
        if d is None:
            return 0
        return int(d, 16) if isinstance(d, str) and d.startswith("0x") else int(d)


class Schemas:
    def __init__(self, directory=SCHEMA_DIR):
        self.messages = {}
        for name in os.listdir(directory):
            if name.endswith(".json"):
                with open(os.path.join(directory, name)) as f:
                    self.messages[name[:-5]] = json.load(f)
        self._compiled = {}

    def _fields(self, message):
        if message not in self._compiled:
            spec = self.messages[message]
            flexible = Versions(spec.get("flexibleVersions"))
            structs = {}
            for common in spec.get("commonStructs", []):
                structs[common["name"]] = None  # placeholder so self-references resolve by name
            for common in spec.get("commonStructs", []):
                structs[common["name"]] = [Field(f, structs, flexible) for f in common["fields"]]
            self._compiled[message] = ([Field(f, structs, flexible) for f in spec["fields"]], flexible)
        return self._compiled[message]

    def api_key(self, message):
        return self.messages[message]["apiKey"]

    def is_flexible(self, message, version):
        return version in Versions(self.messages[message].get("flexibleVersions"))

    # ------------------------------------------------------------ encode
    def encode(self, message, version, values):
        fields, flexible = self._fields(message)
        return self._encode_struct(fields, version, values or {}, version in flexible)

    def _encode_struct(self, fields, version, values, flexible):
        out = bytearray()
        tagged = []
        for f in fields:
            if version not in f.versions:
                continue
            value = values.get(f.key, f.zero(version))
            if version in f.tagged:
                if value != f.zero(version):
                    tagged.append((f.tag, self._encode_value(f, version, value, True, flexible)))
                continue
            out += self._encode_value(f, version, value, version in f.flexible, flexible)
        if flexible:
            out += uvarint(len(tagged))
            for tag, data in sorted(tagged):
                out += uvarint(tag) + uvarint(len(data)) + data
        return bytes(out)

    def _encode_value(self, f, version, value, flexible, msg_flexible):
        t = f.type
        if t.startswith("[]"):
            if value is None:
                return uvarint(0) if flexible else struct.pack(">i", -1)
            head = uvarint(len(value) + 1) if flexible else struct.pack(">i", len(value))
            inner = t[2:]
            if f.struct is not None:
                return head + b"".join(self._encode_struct(f.struct, version, v, msg_flexible) for v in value)
            return head + b"".join(self._encode_scalar(inner, v, flexible) for v in value)
        if f.struct is not None:
            if value is None:
                return struct.pack(">b", -1)
            body = self._encode_struct(f.struct, version, value, msg_flexible)
            return (struct.pack(">b", 1) + body) if version in f.nullable else body
        return self._encode_scalar(t, value, flexible)

    @staticmethod
    def _encode_scalar(t, value, flexible):
        if t in PRIMITIVES:
            return struct.pack(PRIMITIVES[t], value)
        if t == "uuid":
            return value if isinstance(value, bytes) else uuid.UUID(value).bytes
        if t == "string":
            if value is None:
                return uvarint(0) if flexible else struct.pack(">h", -1)
            b = value.encode()
            return (uvarint(len(b) + 1) if flexible else struct.pack(">h", len(b))) + b
        if t in ("bytes", "records"):
            if value is None:
                return uvarint(0) if flexible else struct.pack(">i", -1)
            return (uvarint(len(value) + 1) if flexible else struct.pack(">i", len(value))) + value
        raise ValueError(f"unknown type {t}")

    # ------------------------------------------------------------ decode
    def decode(self, message, version, data):
        fields, flexible = self._fields(message)
        r = data if isinstance(data, Reader) else Reader(data)
        return self._decode_struct(fields, version, r, version in flexible)

    def _decode_struct(self, fields, version, r, flexible):
        values = {}
        for f in fields:
            if version not in f.versions:
                continue
            values[f.key] = f.zero(version)
            if version in f.tagged:
                continue
            values[f.key] = self._decode_value(f, version, r, version in f.flexible, flexible)
        if flexible:
            by_tag = {f.tag: f for f in fields if version in f.tagged}
            for _ in range(r.uvarint()):
                tag, size = r.uvarint(), r.uvarint()
                data = Reader(r.take(size))
                if tag in by_tag:
                    f = by_tag[tag]
                    values[f.key] = self._decode_value(f, version, data, True, flexible)
        return values

    def _decode_value(self, f, version, r, flexible, msg_flexible):
        t = f.type
        if t.startswith("[]"):
            n = r.uvarint() - 1 if flexible else r.unpack(">i")
            if n < 0:
                return None
            if f.struct is not None:
                return [self._decode_struct(f.struct, version, r, msg_flexible) for _ in range(n)]
            return [self._decode_scalar(t[2:], r, flexible) for _ in range(n)]
        if f.struct is not None:
            if version in f.nullable and r.unpack(">b") < 0:
                return None
            return self._decode_struct(f.struct, version, r, msg_flexible)
        return self._decode_scalar(t, r, flexible)

    @staticmethod
    def _decode_scalar(t, r, flexible):
        if t in PRIMITIVES:
            return r.unpack(PRIMITIVES[t])
        if t == "uuid":
            return r.take(16)
        if t == "string":
            n = r.uvarint() - 1 if flexible else r.unpack(">h")
            return None if n < 0 else r.take(n).decode()
        if t in ("bytes", "records"):
            n = r.uvarint() - 1 if flexible else r.unpack(">i")
            return None if n < 0 else r.take(n)
        raise ValueError(f"unknown type {t}")


_SCHEMAS = None


def schemas():
    global _SCHEMAS
    if _SCHEMAS is None:
        _SCHEMAS = Schemas()
    return _SCHEMAS
