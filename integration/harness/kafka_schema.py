"""Encode and decode any Kafka message at any version from its JSON schema.

The schemas are protocol/schema/*.json (Kafka 3.9's, without comments), so the bytes a
test sends follow Kafka's layout field by field: flexible versions use compact strings,
arrays and bytes and end every struct with a tagged-field section. Messages are plain
dicts keyed by the schema's field names ("GroupId", "Topics", ...); a field left out is
sent as its schema default. Decoding returns the same shape, with fields the version
lacks left out.

    body = encode("JoinGroupRequest", 9, {"GroupId": "g", ...})
    answer = decode("JoinGroupResponse", 9, Buf(frame_after_header))
"""
import json
import os
import struct
import uuid as uuidlib

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "protocol", "schema")


class Versions:
    """A schema version range: "0+", "3-7", "5", "none"."""

    def __init__(self, spec):
        spec = (spec or "none").strip()
        if spec == "none":
            self.lo, self.hi = 1, 0
        elif spec.endswith("+"):
            self.lo, self.hi = int(spec[:-1]), 1 << 15
        elif "-" in spec:
            lo, hi = spec.split("-")
            self.lo, self.hi = int(lo), int(hi)
        else:
            self.lo = self.hi = int(spec)

    def __contains__(self, version):
        return self.lo <= version <= self.hi


class Field:
    def __init__(self, spec, structs):
        self.name = spec["name"]
        self.type = spec["type"]
        self.versions = Versions(spec.get("versions"))
        self.nullable = Versions(spec.get("nullableVersions"))
        self.tag = spec.get("tag")
        self.tagged = Versions(spec.get("taggedVersions")) if self.tag is not None else None
        self.default = spec.get("default")
        element = self.type[2:] if self.type.startswith("[]") else self.type
        self.fields = None
        if "fields" in spec:
            self.fields = [Field(f, structs) for f in spec["fields"]]
        elif element in structs:
            self.fields = [Field(f, structs) for f in structs[element]]

    @property
    def is_array(self):
        return self.type.startswith("[]")

    @property
    def element(self):
        return self.type[2:] if self.is_array else self.type

    def default_value(self, version):
        if self.is_array:
            return None if self.default == "null" else []
        if self.fields is not None:
            return None if version in self.nullable else {}
        if self.default == "null":
            return None
        t = self.type
        if t == "bool":
            return self.default == "true"
        if t in ("int8", "int16", "uint16", "int32", "uint32", "int64"):
            return int(self.default, 0) if self.default not in (None, "") else 0
        if t == "float64":
            return float(self.default or 0)
        if t == "string":
            return self.default or ""
        if t == "uuid":
            return uuidlib.UUID(int=0)
        return b""  # bytes, records


class Message:
    def __init__(self, spec):
        self.name = spec["name"]
        self.api_key = spec.get("apiKey")
        self.valid = Versions(spec.get("validVersions"))
        self.flexible = Versions(spec.get("flexibleVersions"))
        structs = {s["name"]: s["fields"] for s in spec.get("commonStructs", [])}
        self.fields = [Field(f, structs) for f in spec["fields"]]


_CACHE = {}


def message(name):
    """The schema of a message by name, e.g. "OffsetCommitRequest"."""
    if name not in _CACHE:
        with open(os.path.join(SCHEMA_DIR, name + ".json")) as f:
            _CACHE[name] = Message(json.load(f))
    return _CACHE[name]


def data_message(spec):
    """A schema given inline (for "data" messages such as the consumer protocol)."""
    return Message(spec)


# ---------------------------------------------------------------- varints
def uvarint(v):
    out = bytearray()
    while True:
        b, v = v & 0x7F, v >> 7
        out.append(b | 0x80 if v else b)
        if not v:
            return bytes(out)


def read_uvarint(buf):
    shift = result = 0
    while True:
        b = buf.take(1)[0]
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result
        shift += 7
        if shift > 35:
            raise ValueError("unsigned varint too long")


# ---------------------------------------------------------------- encoding
_FIXED = {"bool": ">?", "int8": ">b", "int16": ">h", "uint16": ">H", "int32": ">i",
          "uint32": ">I", "int64": ">q", "float64": ">d"}


def _encode_scalar(t, value, flexible, nullable):
    if t in _FIXED:
        return struct.pack(_FIXED[t], value)
    if t == "uuid":
        if isinstance(value, (bytes, bytearray)):
            return bytes(value)
        return (value if isinstance(value, uuidlib.UUID) else uuidlib.UUID(value)).bytes
    if t == "string":
        if value is None:
            assert nullable, "null in a non-nullable string"
            return uvarint(0) if flexible else struct.pack(">h", -1)
        raw = value.encode()
        return (uvarint(len(raw) + 1) if flexible else struct.pack(">h", len(raw))) + raw
    if t in ("bytes", "records"):
        if value is None:
            assert nullable or t == "records", "null in non-nullable bytes"
            return uvarint(0) if flexible else struct.pack(">i", -1)
        return (uvarint(len(value) + 1) if flexible else struct.pack(">i", len(value))) + value
    raise ValueError(f"unknown type {t}")


def _encode_value(field, value, version, flexible):
    nullable = version in field.nullable
    if field.is_array:
        if value is None:
            assert nullable, f"null in non-nullable array {field.name}"
            return uvarint(0) if flexible else struct.pack(">i", -1)
        head = uvarint(len(value) + 1) if flexible else struct.pack(">i", len(value))
        if field.fields is not None:
            return head + b"".join(_encode_struct(field.fields, v, version, flexible) for v in value)
        return head + b"".join(_encode_scalar(field.element, v, flexible, False) for v in value)
    if field.fields is not None:
        if value is None:
            assert nullable, f"null in non-nullable struct {field.name}"
            return struct.pack(">b", -1)
        body = _encode_struct(field.fields, value, version, flexible)
        return (struct.pack(">b", 1) + body) if nullable else body
    return _encode_scalar(field.type, value, flexible, nullable)


def _encode_struct(fields, values, version, flexible):
    values = values or {}
    unknown = set(values) - {f.name for f in fields}
    if unknown:
        raise KeyError(f"fields not in the schema: {sorted(unknown)}")
    out, tagged = [], []
    for f in fields:
        if version not in f.versions:
            continue
        if f.tag is not None and flexible and version in f.tagged:
            if f.name in values and values[f.name] != f.default_value(version):
                tagged.append((f.tag, _encode_value(f, values[f.name], version, flexible)))
            continue
        value = values[f.name] if f.name in values else f.default_value(version)
        out.append(_encode_value(f, value, version, flexible))
    if flexible:
        out.append(uvarint(len(tagged)))
        for tag, data in sorted(tagged):
            out.append(uvarint(tag) + uvarint(len(data)) + data)
    return b"".join(out)


def encode(name, version, values):
    """The body of a message (no header) at the given version."""
    m = message(name) if isinstance(name, str) else name
    if version not in m.valid:
        raise ValueError(f"{m.name} has no version {version}")
    return _encode_struct(m.fields, values, version, version in m.flexible)


# ---------------------------------------------------------------- decoding
def _decode_scalar(t, buf, flexible):
    if t in _FIXED:
        return buf.unpack(_FIXED[t])
    if t == "uuid":
        return uuidlib.UUID(bytes=buf.take(16))
    if t == "string":
        n = read_uvarint(buf) - 1 if flexible else buf.i16()
        return None if n < 0 else buf.take(n).decode()
    if t in ("bytes", "records"):
        n = read_uvarint(buf) - 1 if flexible else buf.i32()
        return None if n < 0 else buf.take(n)
    raise ValueError(f"unknown type {t}")


def _decode_value(field, buf, version, flexible):
    if field.is_array:
        n = read_uvarint(buf) - 1 if flexible else buf.i32()
        if n < 0:
            return None
        if field.fields is not None:
            return [_decode_struct(field.fields, buf, version, flexible) for _ in range(n)]
        return [_decode_scalar(field.element, buf, flexible) for _ in range(n)]
    if field.fields is not None:
        if version in field.nullable and buf.i8() < 0:
            return None
        return _decode_struct(field.fields, buf, version, flexible)
    return _decode_scalar(field.type, buf, flexible)


def _decode_struct(fields, buf, version, flexible):
    out, by_tag = {}, {}
    for f in fields:
        if version not in f.versions:
            continue
        if f.tag is not None and flexible and version in f.tagged:
            by_tag[f.tag] = f
            out[f.name] = f.default_value(version)
            continue
        out[f.name] = _decode_value(f, buf, version, flexible)
    if flexible:
        for _ in range(read_uvarint(buf)):
            tag, size = read_uvarint(buf), read_uvarint(buf)
            data = buf.take(size)
            if tag in by_tag:
                sub = type(buf)(data)
                out[by_tag[tag].name] = _decode_value(by_tag[tag], sub, version, flexible)
    return out


def decode(name, version, buf, exact=True):
    """A message body at the given version from a kafka_wire.Buf; with exact, the Buf
    must end with it (without, bytes after it are left: a newer version's fields)."""
    m = message(name) if isinstance(name, str) else name
    out = _decode_struct(m.fields, buf, version, version in m.flexible)
    if exact and buf.remaining():
        raise ValueError(f"{m.name} v{version}: {buf.remaining()} bytes left after decoding")
    return out


def is_flexible(api_name, version):
    return version in message(api_name).flexible


# ---------------------------------------------------------------- headers
def request_header(api_key, version, correlation_id, client_id, flexible):
    """Request header v2 (flexible: with an empty tagged-field section) or v1."""
    raw = client_id.encode()
    head = struct.pack(">hhih", api_key, version, correlation_id, len(raw)) + raw
    return head + (uvarint(0) if flexible else b"")


def skip_tagged_fields(buf):
    for _ in range(read_uvarint(buf)):
        read_uvarint(buf)
        buf.take(read_uvarint(buf))
