#!/usr/bin/env python3
"""Turn tests/messages/golden/*.hex request frames into binary fuzzer seeds.

Usage: make_seed_corpus.py GOLDEN_DIR OUT_DIR
"""
import os
import sys


def main():
    src, dst = sys.argv[1], sys.argv[2]
    os.makedirs(dst, exist_ok=True)
    for name in sorted(os.listdir(src)):
        if not name.endswith(".hex") or "_response_" in name:
            continue
        with open(os.path.join(src, name)) as f:
            digits = "".join(l.strip() for l in f if not l.startswith("#"))
        with open(os.path.join(dst, name[:-4] + ".bin"), "wb") as f:
            f.write(bytes.fromhex(digits))


if __name__ == "__main__":
    main()
