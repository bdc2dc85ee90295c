#!/usr/bin/env python3
"""Writes records_fuzzer seeds from the golden headers: each array, prefixed
with the fuzzer's mode byte. Usage: make_fuzz_seeds.py <golden dir> <out dir>"""
import os
import re
import sys

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
for header in ("golden_bytes.h", "golden_librdkafka.h"):
    text = open(os.path.join(src, header)).read()
    for m in re.finditer(r"(k\w+) = \{(.*?)\};", text, re.S):
        name = m.group(1)
        data = bytes(int(x, 16) for x in re.findall(r"0x([0-9a-f]{2})", m.group(2)))
        seeds = {}
        if name.startswith(("kV0", "kV1")):
            seeds[name] = b"\x01" + data
        elif "Frame" in name:
            seeds[name] = b"\x02" + bytes([3 if "Lz4" in name else 4]) + data
        else:
            seeds[name] = b"\x00" + data
            seeds[name + "_down"] = b"\x03" + data
            seeds[name + "_payload"] = b"\x02" + bytes([data[22] & 7]) + data[61:]
        for seed, content in seeds.items():
            with open(os.path.join(out, seed), "wb") as f:
                f.write(content)
