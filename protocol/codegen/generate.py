#!/usr/bin/env python3
"""Generate fjord's C++ message codecs from protocol/schema/*.json.

Usage:
  generate.py --schema-dir DIR --out-dir DIR        write every file
  generate.py --schema-dir DIR --list-outputs       print the file names relative
                                                    to OUT_DIR (for CMake)

Output for the message schemas in DIR (under OUT_DIR/protocol/messages/):
  <snake_name>.h/.cpp       one struct per message with decode/encode/size
  api_table.h/.cpp          ApiInfo for every API key found in the schemas
  headers.h/.cpp            request/response header version rules
  any_message.h/.cpp        decode any request/response by key (fuzzing)
  test/fill_<snake>.cpp, test/fill_for_test.h, test/message_list.h,
  test/round_trip.h/.cpp    deterministic test values and a decode/encode
                            consistency check, linked only by tests and fuzzers

Output for the data schemas in DIR/internal/ (records of __consumer_offsets and
__transaction_state; under OUT_DIR/protocol/internal/, namespace
fjord::protocol::internal): <snake_name>.h/.cpp with the same decode/encode/size
API, kLowestSupportedVersion/kHighestSupportedVersion instead of
kLowestVersion/kHighestVersion and no kApiKey; test/fill_<snake>.cpp,
test/fill_for_test.h, test/internal_list.h (AllInternalTypes).

Naming is mechanical: a schema field name becomes snake_case by putting '_'
before every upper-case letter that follows a lower-case letter or digit, or
that starts a new word after an acronym, then lower-casing
(ThrottleTimeMs -> throttle_time_ms, V3AndBelowTopics -> v3_and_below_topics).
Struct types keep their schema names and are nested in the message struct.
"""
import argparse
import json
import os
import re
import sys

INT16_MAX = 32767

PRIMITIVES = {
    # schema type: (C++ type, Reader method, Writer method, encoded size)
    "bool": ("bool", "boolean", "boolean", 1),
    "int8": ("int8_t", "i8", "i8", 1),
    "int16": ("int16_t", "i16", "i16", 2),
    "uint16": ("uint16_t", "u16", "u16", 2),
    "int32": ("int32_t", "i32", "i32", 4),
    "uint32": ("uint32_t", "u32", "u32", 4),
    "int64": ("int64_t", "i64", "i64", 8),
    "float64": ("double", "f64", "f64", 8),
    "uuid": ("::fjord::protocol::Uuid", "uuid", "uuid", 16),
}
INT_LIMITS = {
    "int8": (-2**7, 2**7 - 1), "int16": (-2**15, 2**15 - 1), "uint16": (0, 2**16 - 1),
    "int32": (-2**31, 2**31 - 1), "uint32": (0, 2**32 - 1), "int64": (-2**63, 2**63 - 1),
}
RESERVED = {"decode", "encode", "size", "operator", "default", "class", "delete", "new",
            "register", "template", "this", "union", "namespace", "auto", "const", "struct",
            "enum", "return", "switch", "case", "static", "virtual", "friend", "explicit",
            "export", "typedef", "using", "volatile", "mutable", "throw", "try", "catch",
            "sizeof", "and", "or", "not", "xor", "int", "char", "bool", "float", "double",
            "void", "true", "false", "private", "public", "protected", "if", "else", "for",
            "while", "do", "break", "continue", "goto", "inline", "long", "short", "signed",
            "unsigned", "version", "flexible"}


def snake(name):
    s = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    s = re.sub(r"(?<=[A-Z])([A-Z][a-z])", r"_\1", s)
    s = s.lower()
    if s in RESERVED:
        s += "_"
    return s


def parse_versions(text):
    """'3+' -> (3, INT16_MAX), '1-4' -> (1, 4), '2' -> (2, 2), 'none' -> None."""
    if text is None or text == "none":
        return None
    if text.endswith("+"):
        return (int(text[:-1]), INT16_MAX)
    if "-" in text:
        lo, hi = text.split("-")
        return (int(lo), int(hi))
    return (int(text), int(text))


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# --- model -------------------------------------------------------------------

class Field:
    def __init__(self, spec, msg):
        self.name = spec["name"]
        self.cpp = snake(self.name)
        self.type = spec["type"]
        self.versions = parse_versions(spec.get("versions"))
        self.nullable = parse_versions(spec.get("nullableVersions"))
        self.tagged = parse_versions(spec.get("taggedVersions"))
        self.tag = spec.get("tag")
        d = spec.get("default")
        self.default = ("true" if d else "false") if isinstance(d, bool) else (
            None if d is None else str(d))
        # Field-level override (RequestHeader.ClientId is never compact).
        self.flexible_override = spec.get("flexibleVersions")
        self.is_array = self.type.startswith("[]")
        self.elem = self.type[2:] if self.is_array else self.type
        self.struct = None  # StructDef when elem is a struct
        if self.elem[0].isupper():
            self.struct = msg.struct_for(self.elem, spec.get("fields"))
        elif "fields" in spec:
            raise SystemExit(f"{msg.name}.{self.name}: fields on non-struct type")
        if self.is_array and self.elem in ("bytes", "records"):
            raise SystemExit(f"{msg.name}.{self.name}: arrays of {self.elem} unsupported")
        if self.tagged is not None and self.tag is None:
            raise SystemExit(f"{msg.name}.{self.name}: tagged without tag")

    @property
    def optional(self):
        """Held in std::optional: nullable somewhere and not a records view."""
        return self.nullable is not None and (self.is_array or self.elem in ("string", "bytes")
                                              or self.struct is not None)

    def value_type(self):
        if self.is_array:
            inner = self.struct.name if self.struct else elem_cpp(self.elem)
            return f"std::vector<{inner}>"
        if self.struct:
            return self.struct.name
        return elem_cpp(self.elem)

    def cpp_type(self):
        t = self.value_type()
        return f"std::optional<{t}>" if self.optional else t


def elem_cpp(t):
    if t in PRIMITIVES:
        return PRIMITIVES[t][0]
    if t == "string":
        return "std::string"
    if t == "bytes":
        return "std::vector<uint8_t>"
    if t == "records":
        return "::fjord::protocol::Records"
    raise SystemExit(f"unknown type {t}")


class StructDef:
    def __init__(self, name):
        self.name = name
        self.fields = []
        self.defined = False


class Message:
    def __init__(self, spec, common_specs):
        self.name = spec["name"]
        self.kind = spec["type"]  # request | response | header | data
        self.api_key = spec.get("apiKey", -1)
        self.valid = parse_versions(spec["validVersions"])
        flex = parse_versions(spec.get("flexibleVersions"))
        self.first_flexible = flex[0] if flex else INT16_MAX
        self.structs = []  # in dependency order (inner first)
        self.by_name = {}
        self.common_specs = {c["name"]: c for c in common_specs}
        self.fields = [Field(f, self) for f in spec["fields"]]
        self.snake = snake(self.name)
        # Data schemas (records of Kafka's internal topics) are emitted under
        # protocol/internal/ with Kafka's *_SUPPORTED_VERSION constant names.
        if self.kind == "data":
            self.subdir, self.namespace = "internal", "fjord::protocol::internal"
            self.lowest, self.highest = "kLowestSupportedVersion", "kHighestSupportedVersion"
        else:
            self.subdir, self.namespace = "messages", "fjord::protocol"
            self.lowest, self.highest = "kLowestVersion", "kHighestVersion"

    @property
    def header_path(self):
        return f"protocol/{self.subdir}/{self.snake}.h"

    def struct_for(self, name, fields):
        if name in self.by_name:
            s = self.by_name[name]
            if fields is not None and s.defined:
                prev = [f.name for f in s.fields]
                if prev != [f["name"] for f in fields]:
                    raise SystemExit(f"{self.name}: struct {name} defined twice differently")
            return s
        if fields is None:
            if name not in self.common_specs:
                raise SystemExit(f"{self.name}: unknown struct type {name}")
            fields = self.common_specs[name]["fields"]
        s = StructDef(name)
        self.by_name[name] = s
        s.fields = [Field(f, self) for f in fields]
        s.defined = True
        self.structs.append(s)  # after its own nested structs
        return s

    # C++ condition for "version is in range r", relative to validVersions.
    def cond(self, r):
        if r is None:
            return "false"
        lo, hi = self.valid
        a, b = r
        if a > hi or b < lo:
            return "false"
        parts = []
        if a > lo:
            parts.append(f"version >= {a}")
        if b < hi:
            parts.append(f"version <= {b}")
        return " && ".join(parts) if parts else "true"

    def flexible_expr(self):
        lo, hi = self.valid
        if self.first_flexible <= lo:
            return "true"
        if self.first_flexible > hi:
            return "false"
        return f"version >= {self.first_flexible}"

    def always_flexible(self):
        return self.first_flexible <= self.valid[0]

    def never_flexible(self):
        return self.first_flexible > self.valid[1]


def guard(cond, lines):
    if cond == "true":
        return lines
    if cond == "false":
        return []
    return [f"if ({cond}) {{"] + ["  " + l for l in lines] + ["}"]


def guard_else(cond, then_lines, else_lines):
    if cond == "true":
        return then_lines
    if cond == "false":
        return else_lines
    return ([f"if ({cond}) {{"] + ["  " + l for l in then_lines] + ["} else {"]
            + ["  " + l for l in else_lines] + ["}"])


# --- defaults ----------------------------------------------------------------

def int_literal(t, text):
    v = int(text, 0)
    lo, hi = INT_LIMITS[t]
    if not lo <= v <= hi:
        raise SystemExit(f"default {text} out of range for {t}")
    if v == lo and lo < 0:
        return f"std::numeric_limits<{PRIMITIVES[t][0]}>::min()"
    if t == "int64":
        return f"int64_t{{{v}}}"
    return str(v)


def default_init(f):
    """Member initialiser text (without '='), or '' for value-initialisation."""
    d = f.default
    if f.is_array or f.struct is not None or f.elem in ("bytes", "records"):
        if f.optional and d != "null":
            return f"{f.value_type()}{{}}"  # present and empty, like Kafka's Java classes
        return ""
    if f.elem == "string":
        if f.optional:
            if d == "null":
                return ""
            return f"std::string({json.dumps(d or '')})"
        return json.dumps(d) if d else ""
    if f.elem == "bool":
        return "true" if d == "true" else "false"
    if f.elem == "float64":
        return repr(float(d)) if d else "0.0"
    if f.elem == "uuid":
        return ""
    return int_literal(f.elem, d) if d else "0"


def is_default_expr(f, lv):
    """C++ expression: lv holds the field's default value."""
    d = f.default
    if f.is_array or f.elem == "bytes":
        if f.optional:
            return f"!{lv}.has_value()" if d == "null" else f"({lv}.has_value() && {lv}->empty())"
        return f"{lv}.empty()"
    if f.struct is not None:
        if f.optional:
            return f"!{lv}.has_value()" if d == "null" else f"({lv}.has_value() && *{lv} == {f.struct.name}{{}})"
        return f"{lv} == {f.struct.name}{{}}"
    if f.elem == "string":
        if f.optional:
            if d == "null":
                return f"!{lv}.has_value()"
            return f"({lv}.has_value() && *{lv} == {json.dumps(d or '')})"
        return f"{lv} == {json.dumps(d)}" if d else f"{lv}.empty()"
    if f.elem == "uuid":
        return f"{lv}.is_zero()"
    if f.elem == "records":
        return f"{lv}.is_null"
    return f"{lv} == {default_init(f)}"


# --- per-field code ----------------------------------------------------------

class Ctx:
    def __init__(self, msg, f):
        self.msg = msg
        self.f = f
        self.flex = "false" if f.flexible_override == "none" else "flexible"
        self.null_cond = nullable_cond(msg, f)


def nullable_cond(msg, f):
    """Condition for 'nullable in this version', given the field is present."""
    present = f.tagged if f.tagged is not None else f.versions
    if f.nullable is None or present is None:
        return "false"
    lo, hi = max(present[0], msg.valid[0]), min(present[1], msg.valid[1])
    if f.nullable[0] <= lo and f.nullable[1] >= hi:
        return "true"
    if f.nullable[0] > hi or f.nullable[1] < lo:
        return "false"
    return msg.cond(f.nullable)


def min_size(msg, s, seen=()):
    """Lower bound of the encoded size of struct s in any valid version."""
    if s.name in seen:
        return 0
    total = 0
    for f in s.fields:
        if f.versions is None or f.tagged is not None:
            continue
        if not (f.versions[0] <= msg.valid[0] and f.versions[1] >= msg.valid[1]):
            continue
        classic = msg.never_flexible() or f.flexible_override == "none"
        if f.is_array or f.elem in ("bytes", "records"):
            total += 4 if classic else 1
        elif f.elem == "string":
            total += 2 if classic else 1
        elif f.struct is not None:
            total += 1 if f.optional else min_size(msg, f.struct, seen + (s.name,))
        else:
            total += PRIMITIVES[f.elem][3]
    if msg.always_flexible():
        total += 1
    return max(total, 1)


def elem_decode(ctx, r, target_push):
    """Lines that decode one array element and append it via target_push(expr)."""
    f = ctx.f
    if f.struct:
        return [f"{target_push}.emplace_back().decode({r}, version);"]
    if f.elem == "string":
        return [f"{target_push}.push_back({r}.string({ctx.flex}));"]
    return [f"{target_push}.push_back({r}.{PRIMITIVES[f.elem][1]}());"]


def decode_lines(ctx, lv, r):
    f = ctx.f
    F = ctx.flex
    if f.is_array:
        if f.struct:
            min_elem = f"{f.struct.name}::kMinEncodedSize"
        elif f.elem == "string":
            min_elem = "1" if F == "flexible" else "2"
        else:
            min_elem = str(PRIMITIVES[f.elem][3])
        body = ["const int64_t count = ::fjord::protocol::codec::read_array_length("
                f"{r}, {F}, {min_elem});"]
        if f.optional:
            null_lines = guard_else(ctx.null_cond, [f"{lv}.reset();"], [f"{r}.fail();"])
            body += ["if (count == -1) {"] + ["  " + l for l in null_lines] + ["} else if (count >= 0) {"]
            body += [f"  auto& items = {lv}.emplace();"]
        else:
            body += [f"if (count == -1) {{", f"  {r}.fail();", "} else if (count >= 0) {",
                     f"  auto& items = {lv};", "  items.clear();"]
        body += ["  items.reserve(static_cast<size_t>(count));",
                 f"  for (int64_t i = 0; i < count && {r}.ok(); ++i) {{"]
        body += ["    " + l for l in elem_decode(ctx, r, "items")]
        body += ["  }", "}"]
        return ["{"] + ["  " + l for l in body] + ["}"]
    if f.struct:
        if f.optional:
            # emplace(T{}) rather than emplace(): clang decides is_constructible<T>
            # for a nested struct with member initialisers while the enclosing
            # struct is incomplete, and caches "false".
            em = f"{lv}.emplace({f.struct.name}{{}})"
            # Kafka marks a nullable struct with an int8 (-1 null, 1 present),
            # but with an unsigned varint (0 null, 1 present) in a tagged field.
            is_null = f"{r}.uvarint() == 0" if f.tagged is not None else f"{r}.i8() < 0"
            present = [f"if ({is_null}) {lv}.reset();", f"else {em}.decode({r}, version);"]
            return guard_else(ctx.null_cond, present, [f"{em}.decode({r}, version);"])
        return [f"{lv}.decode({r}, version);"]
    if f.elem == "string":
        if f.optional:
            return guard_else(ctx.null_cond, [f"{lv} = {r}.nullable_string({F});"],
                              [f"{lv} = {r}.string({F});"])
        return [f"{lv} = {r}.string({F});"]
    if f.elem == "bytes":
        if f.optional:
            return guard_else(ctx.null_cond,
                              [f"::fjord::protocol::codec::read_nullable_bytes({r}, {F}, {lv});"],
                              [f"::fjord::protocol::codec::read_bytes({r}, {F}, {lv}.emplace());"])
        return [f"::fjord::protocol::codec::read_bytes({r}, {F}, {lv});"]
    if f.elem == "records":
        return [f"::fjord::protocol::codec::read_records({r}, {F}, {lv});"]
    return [f"{lv} = {r}.{PRIMITIVES[f.elem][1]}();"]


def encode_lines(ctx, lv):
    f = ctx.f
    F = ctx.flex
    if f.is_array:
        def items_lines(items):
            out = [f"::fjord::protocol::codec::write_array_length(w, {F}, static_cast<int64_t>({items}.size()));",
                   f"for (const auto& item : {items}) {{"]
            if f.struct:
                out.append("  item.encode(w, version);")
            elif f.elem == "string":
                out.append(f"  w.string(item, {F});")
            else:
                out.append(f"  w.{PRIMITIVES[f.elem][2]}(item);")
            return out + ["}"]
        if f.optional:
            return ([f"if (!{lv}) {{", f"  ::fjord::protocol::codec::write_array_length(w, {F}, -1);",
                     "} else {"] + ["  " + l for l in items_lines(f"(*{lv})")] + ["}"])
        return items_lines(lv)
    if f.struct:
        if f.optional:
            null_mark, present_mark = ("w.uvarint(0);", "w.uvarint(1);") if f.tagged is not None else (
                "w.i8(-1);", "w.i8(1);")
            present = [f"if (!{lv}) {{", f"  {null_mark}", "} else {", f"  {present_mark}",
                       f"  {lv}->encode(w, version);", "}"]
            absent = [f"if ({lv}) {lv}->encode(w, version);",
                      f"else {f.struct.name}{{}}.encode(w, version);"]
            return guard_else(ctx.null_cond, present, absent)
        return [f"{lv}.encode(w, version);"]
    if f.elem == "string":
        if f.optional:
            return guard_else(ctx.null_cond, [f"w.nullable_string({lv}, {F});"],
                              [f"w.string(::fjord::protocol::codec::or_empty({lv}), {F});"])
        return [f"w.string({lv}, {F});"]
    if f.elem == "bytes":
        if f.optional:
            return [f"::fjord::protocol::codec::write_nullable_bytes(w, {F}, {lv});"]
        return [f"::fjord::protocol::codec::write_bytes(w, {F}, {lv});"]
    if f.elem == "records":
        return [f"::fjord::protocol::codec::write_records(w, {F}, {lv});"]
    return [f"w.{PRIMITIVES[f.elem][2]}({lv});"]


def size_lines(ctx, lv, acc):
    f = ctx.f
    F = ctx.flex
    C = "::fjord::protocol::codec::"
    if f.is_array:
        def items_lines(items):
            out = [f"{acc} += {C}length32_prefix_size(static_cast<int64_t>({items}.size()), {F});"]
            if f.struct:
                out += [f"for (const auto& item : {items}) {acc} += item.size(version);"]
            elif f.elem == "string":
                out += [f"for (const auto& item : {items}) {acc} += {C}string_size(item, {F});"]
            else:
                out += [f"{acc} += {items}.size() * {PRIMITIVES[f.elem][3]};"]
            return out
        if f.optional:
            return ([f"if (!{lv}) {{", f"  {acc} += {C}length32_prefix_size(-1, {F});", "} else {"]
                    + ["  " + l for l in items_lines(f"(*{lv})")] + ["}"])
        return items_lines(lv)
    if f.struct:
        if f.optional:
            present = [f"{acc} += 1 + ({lv} ? {lv}->size(version) : 0);"]
            absent = [f"{acc} += {lv} ? {lv}->size(version) : {f.struct.name}{{}}.size(version);"]
            return guard_else(ctx.null_cond, present, absent)
        return [f"{acc} += {lv}.size(version);"]
    if f.elem == "string":
        if f.optional:
            # A null written where the field is not nullable becomes "", whose
            # prefix has the same size as a null prefix.
            return [f"{acc} += {C}nullable_string_size({lv}, {F});"]
        return [f"{acc} += {C}string_size({lv}, {F});"]
    if f.elem == "bytes":
        if f.optional:
            return [f"{acc} += {C}nullable_bytes_size({lv}, {F});"]
        return [f"{acc} += {C}bytes_size({lv}, {F});"]
    if f.elem == "records":
        return [f"{acc} += {C}records_size({lv}, {F});"]
    return [f"{acc} += {PRIMITIVES[f.elem][3]};"]


# --- struct / message emission ----------------------------------------------

def struct_decl(msg, name, fields, top):
    """Declaration lines (2-space indented body) of one struct."""
    out = []
    for f in fields:
        init = default_init(f)
        out.append(f"{f.cpp_type()} {f.cpp}{' = ' + init if init else ''};")
    out.append("")
    if top:
        out += ["// False on malformed input or an unknown version (r.ok() is then false).",
                "bool decode(::fjord::protocol::Reader& r, int16_t version);",
                "// Fields absent in `version` are skipped.",
                "void encode(::fjord::protocol::Writer& w, int16_t version) const;",
                "// Bytes encode() produces, file slices included.",
                "size_t size(int16_t version) const;"]
    else:
        out += [f"static constexpr size_t kMinEncodedSize = {min_size(msg, msg.by_name[name])};",
                "bool decode(::fjord::protocol::Reader& r, int16_t version);",
                "void encode(::fjord::protocol::Writer& w, int16_t version) const;",
                "size_t size(int16_t version) const;"]
    out.append(f"bool operator==(const {name}&) const = default;")
    return out


def flexible_line(msg, fields):
    uses = any(Ctx(msg, f).flex == "flexible" and msg.cond(f.versions) != "false" for f in fields
               if not (f.elem in PRIMITIVES and not f.is_array))
    expr = msg.flexible_expr()
    if expr == "false" and not uses:
        return []
    return [f"[[maybe_unused]] const bool flexible = {expr};"]


def tagged_fields(msg, fields):
    tf = [f for f in fields if f.tagged is not None and msg.cond(f.tagged) != "false"]
    return sorted(tf, key=lambda f: f.tag)


def regular_fields(msg, fields):
    return [f for f in fields if f.tagged is None and msg.cond(f.versions) != "false"]


def struct_defs(msg, qual, fields, top):
    """Out-of-line decode/encode/size definitions."""
    out = []
    reg = regular_fields(msg, fields)
    tags = tagged_fields(msg, fields)
    has_flex = msg.flexible_expr() != "false"
    fl = flexible_line(msg, fields)

    # decode
    out.append(f"bool {qual}::decode(::fjord::protocol::Reader& r, [[maybe_unused]] int16_t version) {{")
    body = []
    if top:
        body += [f"if (version < {msg.lowest} || version > {msg.highest}) {{", "  r.fail();",
                 "  return false;", "}"]
    body += fl
    for f in reg:
        body += guard(msg.cond(f.versions), decode_lines(Ctx(msg, f), f.cpp, "r"))
    if has_flex:
        tb = ["const uint32_t tag_count = r.uvarint();",
              "for (uint32_t t = 0; t < tag_count && r.ok(); ++t) {",
              "  const uint32_t tag = r.uvarint();",
              "  const uint32_t tag_size = r.uvarint();",
              "  const uint8_t* tag_data = r.take(tag_size);",
              "  if (tag_data == nullptr) break;"]
        if tags:
            tb.append("  switch (tag) {")
            for f in tags:
                inner = ["::fjord::protocol::Reader tr(tag_data, tag_size);"]
                inner += decode_lines(Ctx(msg, f), f.cpp, "tr")
                inner += ["if (!tr.ok()) r.fail();"]
                # Braces: the case declares a Reader even when no version guard wraps it.
                tb.append(f"    case {f.tag}: {{")
                tb += ["      " + l for l in guard(msg.cond(f.tagged), inner)]
                tb += ["      break;", "    }"]
            tb += ["    default:  // unknown tags are skipped", "      break;", "  }"]
        else:
            tb.append("  (void)tag;  // no known tags: all are skipped")
        tb.append("}")
        body += guard("flexible", tb)
    body.append("return r.ok();")
    out += ["  " + l for l in body] + ["}", ""]

    # encode
    out.append(f"void {qual}::encode([[maybe_unused]] ::fjord::protocol::Writer& w, [[maybe_unused]] int16_t version) const {{")
    body = list(fl)
    for f in reg:
        body += guard(msg.cond(f.versions), encode_lines(Ctx(msg, f), f.cpp))
    if has_flex:
        tb = ["uint32_t tag_count = 0;"]
        for f in tags:
            tb += guard(_tag_present(msg, f), ["++tag_count;"])
        tb.append("w.uvarint(tag_count);")
        for f in tags:
            inner = ["size_t tag_size = 0;"] + size_lines(Ctx(msg, f), f.cpp, "tag_size")
            inner += [f"w.uvarint({f.tag});", "w.uvarint(static_cast<uint32_t>(tag_size));"]
            inner += encode_lines(Ctx(msg, f), f.cpp)
            tb += guard(_tag_present(msg, f), inner)
        body += guard("flexible", tb)
    out += ["  " + l for l in body] + ["}", ""]

    # size
    out.append(f"size_t {qual}::size([[maybe_unused]] int16_t version) const {{")
    body = list(fl) + ["size_t n = 0;"]
    for f in reg:
        body += guard(msg.cond(f.versions), size_lines(Ctx(msg, f), f.cpp, "n"))
    if has_flex:
        tb = ["uint32_t tag_count = 0;"]
        for f in tags:
            inner = ["++tag_count;", "size_t tag_size = 0;"]
            inner += size_lines(Ctx(msg, f), f.cpp, "tag_size")
            inner += [f"n += ::fjord::protocol::uvarint_size({f.tag}) + "
                      "::fjord::protocol::uvarint_size(tag_size) + tag_size;"]
            tb += guard(_tag_present(msg, f), inner)
        tb.append("n += ::fjord::protocol::uvarint_size(tag_count);")
        body += guard("flexible", tb)
    body.append("return n;")
    out += ["  " + l for l in body] + ["}", ""]
    return out


def _tag_present(msg, f):
    c = msg.cond(f.tagged)
    nd = f"!({is_default_expr(f, f.cpp)})"
    return nd if c == "true" else f"{c} && {nd}"


def gen_message(msg):
    schema = f"protocol/schema/{'internal/' if msg.kind == 'data' else ''}{msg.name}.json"
    h = ["#pragma once", f"// Generated by protocol/codegen/generate.py from {schema}.",
         "// Do not edit.", "#include <cstddef>", "#include <cstdint>", "#include <limits>",
         "#include <optional>", "#include <string>", "#include <vector>", "",
         '#include "protocol/wire/reader.h"', '#include "protocol/wire/records.h"',
         '#include "protocol/wire/uuid.h"', '#include "protocol/wire/writer.h"', "",
         f"namespace {msg.namespace} {{", "", f"struct {msg.name} {{"]
    if msg.kind != "data":
        h.append(f"  static constexpr int16_t kApiKey = {msg.api_key};")
    h += [f"  static constexpr int16_t {msg.lowest} = {msg.valid[0]}, {msg.highest} = {msg.valid[1]};",
          f"  static constexpr int16_t kFirstFlexibleVersion = {msg.first_flexible};", ""]
    for s in msg.structs:
        h.append(f"  struct {s.name} {{")
        h += ["    " + l if l else "" for l in struct_decl(msg, s.name, s.fields, False)]
        h += ["  };", ""]
    h += ["  " + l if l else "" for l in struct_decl(msg, msg.name, msg.fields, True)]
    h += ["};", "", f"}}  // namespace {msg.namespace}", ""]

    c = [f"// Generated by protocol/codegen/generate.py from {schema}.",
         f'#include "{msg.header_path}"', "",
         '#include "protocol/codegen/field_codec.h"', "", f"namespace {msg.namespace} {{", ""]
    for s in msg.structs:
        c += struct_defs(msg, f"{msg.name}::{s.name}", s.fields, False)
    c += struct_defs(msg, msg.name, msg.fields, True)
    c += [f"}}  // namespace {msg.namespace}", ""]
    return "\n".join(h), "\n".join(c)


# --- test values -------------------------------------------------------------

def fill_value_lines(msg, f, lv, key):
    """Lines that give lv a deterministic value different from its default."""
    if f.is_array:
        target = f"{lv}.emplace()" if f.optional else lv
        out = [f"auto& items = {target};", "items.clear();",
               "for (uint32_t i = 0; i < 2; ++i) {"]
        if f.struct:
            out.append(f"  fill(items.emplace_back(), version, seed * 31 + {key} + i);")
        elif f.elem == "string":
            out.append(f"  items.push_back(test_string(seed + i, {key}));")
        elif f.elem == "uuid":
            out.append(f"  items.push_back(test_uuid(seed + i, {key}));")
        elif f.elem == "bool":
            out.append("  items.push_back(i % 2 == 0);")
        elif f.elem == "float64":
            out.append(f"  items.push_back(0.25 + seed + i + {key});")
        else:
            t = PRIMITIVES[f.elem][0]
            out.append(f"  items.push_back(static_cast<{t}>(seed * 7 + i + {key} + 1));")
        out.append("}")
        return ["{"] + ["  " + l for l in out] + ["}"]
    if f.struct:
        target = f"{lv}.emplace({msg.name}::{f.struct.name}{{}})" if f.optional else lv
        return [f"fill({target}, version, seed * 31 + {key});"]
    if f.elem == "string":
        return [f"{lv} = test_string(seed, {key});"]
    if f.elem == "bytes":
        return [f"{lv} = test_bytes(seed, {key});"]
    if f.elem == "records":
        return [f"{lv} = test_records(seed);"]
    if f.elem == "uuid":
        return [f"{lv} = test_uuid(seed, {key});"]
    if f.elem == "bool":
        return [f"{lv} = {'false' if f.default == 'true' else 'true'};"]
    if f.elem == "float64":
        return [f"{lv} = 0.5 + seed + {key};"]
    t = PRIMITIVES[f.elem][0]
    return [f"{lv} = test_int<{t}>(seed, {key}, {default_init(f)});"]


def gen_fill(msg):
    out = [f"// Generated by protocol/codegen/generate.py: test values for {msg.name}.",
           f'#include "{msg.header_path}"', "",
           '#include "protocol/codegen/test_values.h"', "",
           f"namespace {msg.namespace} {{", "namespace {", ""]
    decls = [f"[[maybe_unused]] void fill({msg.name}::{s.name}& m, int16_t version, uint32_t seed);"
             for s in msg.structs]
    out += decls + [""]

    def body(fields):
        lines = []
        for i, f in enumerate(fields):
            c = msg.cond(f.versions)
            if f.tagged is not None:
                c = msg.cond(f.tagged)
            lines += guard(c, fill_value_lines(msg, f, f"m.{f.cpp}", i + 1))
        return ["  " + l for l in lines]

    for s in msg.structs:
        out.append(f"void fill([[maybe_unused]] {msg.name}::{s.name}& m, [[maybe_unused]] int16_t version, [[maybe_unused]] uint32_t seed) {{")
        out += body(s.fields) + ["}", ""]
    out += ["}  // namespace", ""]
    out.append(f"void fill_for_test([[maybe_unused]] {msg.name}& m, [[maybe_unused]] int16_t version, [[maybe_unused]] uint32_t seed) {{")
    out += body(msg.fields) + ["}", "", f"}}  // namespace {msg.namespace}", ""]
    return "\n".join(out)


# --- tables ------------------------------------------------------------------

def gen_tables(msgs):
    files = {}
    reqs = {m.api_key: m for m in msgs if m.kind == "request"}
    resps = {m.api_key: m for m in msgs if m.kind == "response"}
    keys = sorted(reqs)
    for k in keys:
        if k not in resps or resps[k].valid != reqs[k].valid:
            raise SystemExit(f"api key {k}: request/response versions differ")

    files["api_table.h"] = "\n".join([
        "#pragma once", "// Generated by protocol/codegen/generate.py: every API in protocol/schema/.",
        "#include <cstdint>", "#include <span>", "", "namespace fjord::protocol {", "",
        "struct ApiInfo {", "  int16_t key;", "  const char* name;",
        "  int16_t min_version, max_version, first_flexible_version;  // INT16_MAX: never flexible",
        "};", "", "// nullptr for a key fjord has no schema for.",
        "const ApiInfo* find_api(int16_t key);", "// Sorted by key.",
        "std::span<const ApiInfo> all_apis();", "", "}  // namespace fjord::protocol", ""])
    rows = [f'    {{{k}, "{reqs[k].name[:-len("Request")]}", {reqs[k].valid[0]}, {reqs[k].valid[1]}, '
            f'{reqs[k].first_flexible}}},' for k in keys]
    files["api_table.cpp"] = "\n".join([
        "// Generated by protocol/codegen/generate.py.", '#include "protocol/messages/api_table.h"', "",
        "#include <algorithm>", "#include <array>", "", "namespace fjord::protocol {", "namespace {", "",
        f"constexpr std::array<ApiInfo, {len(keys)}> kApis = {{{{"] + rows + [
        "}};", "", "}  // namespace", "",
        "const ApiInfo* find_api(int16_t key) {",
        "  auto it = std::lower_bound(kApis.begin(), kApis.end(), key,",
        "                             [](const ApiInfo& a, int16_t k) { return a.key < k; });",
        "  return it != kApis.end() && it->key == key ? &*it : nullptr;", "}", "",
        "std::span<const ApiInfo> all_apis() { return kApis; }", "",
        "}  // namespace fjord::protocol", ""])

    files["headers.h"] = "\n".join([
        "#pragma once", "// Generated by protocol/codegen/generate.py: which header version frames an API.",
        "#include <cstdint>", "", '#include "protocol/messages/request_header.h"',
        '#include "protocol/messages/response_header.h"', "", "namespace fjord::protocol {", "",
        "// 2 for flexible versions, else 1. Versions above an API's max count as",
        "// flexible when the API has flexible versions (Kafka parses an unknown",
        "// ApiVersions v3+ with header v2). Unknown keys get 1.",
        "int16_t request_header_version(int16_t api_key, int16_t api_version);",
        "// 1 for flexible versions, else 0; ApiVersions responses always use 0.",
        "int16_t response_header_version(int16_t api_key, int16_t api_version);", "",
        "}  // namespace fjord::protocol", ""])
    files["headers.cpp"] = "\n".join([
        "// Generated by protocol/codegen/generate.py.", '#include "protocol/messages/headers.h"', "",
        '#include "protocol/messages/api_table.h"', "", "namespace fjord::protocol {", "",
        "int16_t request_header_version(int16_t api_key, int16_t api_version) {",
        "  const ApiInfo* api = find_api(api_key);",
        "  if (api == nullptr) return 1;",
        "  return api_version >= api->first_flexible_version ? 2 : 1;", "}", "",
        "int16_t response_header_version(int16_t api_key, int16_t api_version) {",
        "  if (api_key == 18) return 0;  // ApiVersions: clients read it before knowing versions",
        "  const ApiInfo* api = find_api(api_key);",
        "  if (api == nullptr) return 0;",
        "  return api_version >= api->first_flexible_version ? 1 : 0;", "}", "",
        "}  // namespace fjord::protocol", ""])

    files["any_message.h"] = "\n".join([
        "#pragma once", "// Generated by protocol/codegen/generate.py: decode any message by API key.",
        "#include <cstdint>", "", '#include "protocol/wire/reader.h"', "",
        "namespace fjord::protocol {", "",
        "// Decode into a temporary and report success; false for unknown keys or",
        "// versions and malformed input. Used by fuzzing and diagnostics.",
        "bool decode_request(int16_t api_key, int16_t version, Reader& r);",
        "bool decode_response(int16_t api_key, int16_t version, Reader& r);", "",
        "}  // namespace fjord::protocol", ""])
    inc = [f'#include "protocol/messages/{m.snake}.h"' for m in msgs if m.kind != "header"]

    def switch(fn, table):
        lines = [f"bool {fn}(int16_t api_key, int16_t version, Reader& r) {{", "  switch (api_key) {"]
        for k in keys:
            lines += [f"    case {k}: {{", f"      {table[k].name} m;", "      return m.decode(r, version);",
                      "    }"]
        lines += ["    default:", "      r.fail();", "      return false;", "  }", "}", ""]
        return lines

    files["any_message.cpp"] = "\n".join(
        ["// Generated by protocol/codegen/generate.py.", '#include "protocol/messages/any_message.h"', ""]
        + inc + ["", "namespace fjord::protocol {", ""] + switch("decode_request", reqs)
        + switch("decode_response", resps) + ["}  // namespace fjord::protocol", ""])

    all_inc = [f'#include "protocol/messages/{m.snake}.h"' for m in msgs]
    files["test/fill_for_test.h"] = "\n".join(
        ["#pragma once", "// Generated by protocol/codegen/generate.py. Test support only:",
         "// sets every field present in `version` to a deterministic non-default value.",
         "#include <cstdint>", ""] + all_inc + ["", "namespace fjord::protocol {", ""]
        + [f"void fill_for_test({m.name}& m, int16_t version, uint32_t seed);" for m in msgs]
        + ["", "}  // namespace fjord::protocol", ""])
    files["test/message_list.h"] = "\n".join(
        ["#pragma once", "// Generated by protocol/codegen/generate.py: every message type, for typed tests.",
         "#include <tuple>", "", '#include "protocol/messages/test/fill_for_test.h"', "",
         "namespace fjord::protocol {", "", "using AllMessageTypes = std::tuple<"]
        + [f"    {m.name}{',' if i + 1 < len(msgs) else ''}" for i, m in enumerate(msgs)]
        + [">;", "", "}  // namespace fjord::protocol", ""])
    files["test/round_trip.h"] = "\n".join([
        "#pragma once", "// Generated by protocol/codegen/generate.py. Test support only.",
        "#include <cstdint>", "", '#include "protocol/wire/reader.h"', "",
        "namespace fjord::protocol {", "",
        "enum class RoundTripResult { kRejected, kOk, kSizeMismatch, kReencodeRejected, kValueMismatch,",
        "                             kBytesMismatch };", "",
        "// Decodes a message; when that succeeds, checks that encode() matches size(),",
        "// that the encoding decodes to an equal message, and re-encodes to the same",
        "// bytes. Anything but kRejected/kOk is a codec bug (the fuzzer aborts on it).",
        "RoundTripResult check_request_round_trip(int16_t api_key, int16_t version, Reader& r);",
        "RoundTripResult check_response_round_trip(int16_t api_key, int16_t version, Reader& r);", "",
        "}  // namespace fjord::protocol", ""])

    def rt_switch(fn, table):
        lines = [f"RoundTripResult {fn}(int16_t api_key, int16_t version, Reader& r) {{",
                 "  switch (api_key) {"]
        for k in keys:
            lines.append(f"    case {k}: return check<{table[k].name}>(version, r);")
        lines += ["    default:", "      r.fail();", "      return RoundTripResult::kRejected;", "  }", "}", ""]
        return lines

    files["test/round_trip.cpp"] = "\n".join(
        ["// Generated by protocol/codegen/generate.py.", '#include "protocol/messages/test/round_trip.h"', "",
         '#include "protocol/wire/writer.h"'] + inc + ["", "namespace fjord::protocol {", "namespace {", "",
         "template <typename M>", "RoundTripResult check(int16_t version, Reader& r) {",
         "  M m;", "  if (!m.decode(r, version)) return RoundTripResult::kRejected;",
         "  Writer w;", "  m.encode(w, version);",
         "  if (w.size() != m.size(version)) return RoundTripResult::kSizeMismatch;",
         "  Reader again_reader(w.buffer().data(), w.buffer().size());", "  M again;",
         "  if (!again.decode(again_reader, version) || again_reader.remaining() != 0)",
         "    return RoundTripResult::kReencodeRejected;",
         "  if (!(again == m)) return RoundTripResult::kValueMismatch;",
         "  Writer w2;", "  again.encode(w2, version);",
         "  return w2.buffer() == w.buffer() ? RoundTripResult::kOk : RoundTripResult::kBytesMismatch;", "}", "",
         "}  // namespace", ""] + rt_switch("check_request_round_trip", reqs)
        + rt_switch("check_response_round_trip", resps) + ["}  // namespace fjord::protocol", ""])
    return files


def gen_internal_tables(datas):
    """Test support for the data schemas: fill_for_test and AllInternalTypes."""
    files = {}
    all_inc = [f'#include "{m.header_path}"' for m in datas]
    files["test/fill_for_test.h"] = "\n".join(
        ["#pragma once", "// Generated by protocol/codegen/generate.py. Test support only:",
         "// sets every field present in `version` to a deterministic non-default value.",
         "#include <cstdint>", ""] + all_inc + ["", "namespace fjord::protocol::internal {", ""]
        + [f"void fill_for_test({m.name}& m, int16_t version, uint32_t seed);" for m in datas]
        + ["", "}  // namespace fjord::protocol::internal", ""])
    files["test/internal_list.h"] = "\n".join(
        ["#pragma once", "// Generated by protocol/codegen/generate.py: every data schema, for typed tests.",
         "#include <tuple>", "", '#include "protocol/internal/test/fill_for_test.h"', "",
         "namespace fjord::protocol::internal {", "", "using AllInternalTypes = std::tuple<"]
        + [f"    {m.name}{',' if i + 1 < len(datas) else ''}" for i, m in enumerate(datas)]
        + [">;", "", "}  // namespace fjord::protocol::internal", ""])
    return files


# --- driver ------------------------------------------------------------------

def load_schemas(schema_dir, kinds):
    out = []
    if not os.path.isdir(schema_dir):
        return out
    for fn in sorted(os.listdir(schema_dir)):
        if not fn.endswith(".json"):
            continue
        spec = load_json(os.path.join(schema_dir, fn))
        if spec.get("type") not in kinds:
            continue
        out.append(Message(spec, spec.get("commonStructs", [])))
    return out


def load_messages(schema_dir):
    return load_schemas(schema_dir, ("request", "response", "header"))


def load_internal(schema_dir):
    """The data schemas in SCHEMA_DIR/internal/ (records of Kafka's internal topics)."""
    return load_schemas(os.path.join(schema_dir, "internal"), ("data",))


def per_schema_outputs(m):
    """Paths relative to OUT_DIR of the files generated for one schema."""
    base = f"protocol/{m.subdir}"
    return {f"{base}/{m.snake}.h": "header", f"{base}/{m.snake}.cpp": "source",
            f"{base}/test/fill_{m.snake}.cpp": "fill"}


def output_names(msgs, datas):
    names = []
    for m in msgs + datas:
        names += list(per_schema_outputs(m))
    names += [f"protocol/messages/{n}" for n in gen_tables(msgs)]
    names += [f"protocol/internal/{n}" for n in gen_internal_tables(datas)]
    return names


def write_if_changed(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return  # untouched: dependants are not rebuilt
    except FileNotFoundError:
        pass
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--schema-dir", required=True)
    ap.add_argument("--out-dir")
    ap.add_argument("--list-outputs", action="store_true")
    args = ap.parse_args()
    msgs = load_messages(args.schema_dir)
    datas = load_internal(args.schema_dir)
    if args.list_outputs:
        print(";".join(output_names(msgs, datas)))
        return
    if not args.out_dir:
        sys.exit("--out-dir is required")
    for m in msgs + datas:
        h, c = gen_message(m)
        texts = {"header": h, "source": c, "fill": gen_fill(m)}
        for rel, what in per_schema_outputs(m).items():
            write_if_changed(os.path.join(args.out_dir, rel), texts[what])
    for name, text in gen_tables(msgs).items():
        write_if_changed(os.path.join(args.out_dir, "protocol", "messages", name), text)
    for name, text in gen_internal_tables(datas).items():
        write_if_changed(os.path.join(args.out_dir, "protocol", "internal", name), text)


if __name__ == "__main__":
    main()
