#!/usr/bin/python3
"""Renders docs/compatibility.md from the outcomes the clients' scenario sets recorded in
$FJORD_COMPAT_RESULTS (harness/compat.py), and fails if the committed file says otherwise.

    compatibility_table.py --reset    empty the results directory (ctest fixture set-up)
    compatibility_table.py            compare (ctest fixture clean-up, after the clients ran)

FJORD_UPDATE_COMPATIBILITY=1 writes the file instead of comparing. A client that did not run
(its tool missing, or not selected) keeps what the committed file says about it."""
import glob
import json
import os
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "harness"))
from compat import CLIENT_ORDER, COMMON_FLOWS  # noqa: E402

DOC = os.path.join(os.path.dirname(HERE), "docs", "compatibility.md")
HEADER = """# Client compatibility

What each client does against fjord, as the integration tests last proved it. This file is
written by the test suite (`integration/compatibility_table.py`, the last step of
`ctest -L integration`) from the outcome of every flow that ran, and the suite fails when it
differs from what ran: do not edit it by hand. After a change of outcome, regenerate it with
`FJORD_UPDATE_COMPATIBILITY=1 ctest --test-dir build -L integration`.

**pass**: the flow ran and every check held. **fail**: it ran and a check failed (the suite
fails too). **n/s**: the client cannot do this (why: in its section). **-**: no test covers it.
Each client runs against its own fresh `fjord` on a loopback port
([integration-tests.md](integration-tests.md) says how).
"""


def load(results_dir):
    """{client: {"version", "outcomes", "unsupported", "descriptions"}} merged over files."""
    clients = {}
    for path in sorted(glob.glob(os.path.join(results_dir, "*.json"))):
        with open(path) as f:
            r = json.load(f)
        c = clients.setdefault(r["client"], {"version": r["version"], "outcomes": {},
                                             "unsupported": {}, "descriptions": {}})
        for flow, outcome in r["outcomes"].items():
            if c["outcomes"].get(flow) != "fail":
                c["outcomes"][flow] = outcome
        c["unsupported"].update(r["unsupported"])
        c["descriptions"].update(r["descriptions"])
    return clients


def cell(client, flow):
    outcome = client["outcomes"].get(flow)
    if outcome:
        return outcome
    return "n/s" if flow in client["unsupported"] else "-"


def row(name, client):
    return "| " + " | ".join([name, client["version"]] + [cell(client, f) for f in COMMON_FLOWS]) + " |"


def section(name, client):
    lines = [f"### {name}", ""]
    own = sorted(f for f in client["outcomes"] if f not in COMMON_FLOWS)
    if own:
        lines += ["| Flow | Outcome | What it proves |", "|---|---|---|"]
        lines += [f"| `{f}` | {client['outcomes'][f]} | {client['descriptions'].get(f, '')} |" for f in own]
        lines.append("")
    for flow, why in sorted(client["unsupported"].items()):
        if flow not in client["outcomes"]:
            lines.append(f"- n/s {COMMON_FLOWS.get(flow, flow)}: {why}")
    if client["unsupported"]:
        lines.append("")
    return "\n".join(lines)


def render(rows, sections):
    """The document from each client's table row and section, in CLIENT_ORDER."""
    rank = {n: i for i, n in enumerate(CLIENT_ORDER)}
    names = sorted(rows, key=lambda n: (rank.get(n, len(rank)), n))
    out = [HEADER, "| Client | Version | " + " | ".join(COMMON_FLOWS.values()) + " |",
           "|" + "---|" * (len(COMMON_FLOWS) + 2)]
    out += [rows[n] for n in names]
    out += ["", "## Each client's own flows and limits", ""]
    out += [sections[n].rstrip("\n") + "\n" for n in names]
    return "\n".join(out).rstrip("\n") + "\n"


def blocks(text):
    """{client: (its table row, its section)} parsed back from a rendered file."""
    found = {}
    for line in text.splitlines():
        m = re.match(r"\| ([^|]+?) \| ", line)
        if m and m.group(1) not in ("Client", "Flow") and not line.startswith("| `"):
            found.setdefault(m.group(1), [line, ""])
    for m in re.finditer(r"^### (.+)$", text, re.M):
        end = text.find("\n### ", m.end())
        body = text[m.start():] if end < 0 else text[m.start():end + 1]
        found.setdefault(m.group(1), ["", ""])[1] = body.rstrip("\n")
    return {k: tuple(v) for k, v in found.items()}


def main():
    results_dir = os.environ.get("FJORD_COMPAT_RESULTS")
    if not results_dir:
        sys.exit("FJORD_COMPAT_RESULTS is not set (ctest sets it)")
    if sys.argv[1:] == ["--reset"]:
        shutil.rmtree(results_dir, ignore_errors=True)
        os.makedirs(results_dir)
        return 0
    ran = load(results_dir)
    if not ran:
        print("SKIPPED: no client recorded any flow")
        return 77
    committed = open(DOC).read() if os.path.exists(DOC) else ""
    old = blocks(committed)
    # A client that did not run keeps its committed row and section.
    kept = [n for n in old if n not in ran]
    rows = {n: row(n, c) for n, c in ran.items()}
    sections = {n: section(n, c) for n, c in ran.items()}
    for name in kept:
        rows[name], sections[name] = old[name]
    text = render(rows, sections)
    with open(os.path.join(results_dir, "compatibility.md"), "w") as f:
        f.write(text)
    if kept:
        print(f"not run here, kept as committed: {', '.join(kept)}")
    if os.environ.get("FJORD_UPDATE_COMPATIBILITY"):
        with open(DOC, "w") as f:
            f.write(text)
        print(f"wrote {DOC}")
        return 0
    if text != committed:
        import difflib
        sys.stdout.writelines(difflib.unified_diff(committed.splitlines(True), text.splitlines(True),
                                                   "docs/compatibility.md (committed)", "what ran"))
        print("\ndocs/compatibility.md differs from what ran: if the change is intended, "
              "regenerate it with FJORD_UPDATE_COMPATIBILITY=1 (see its header)")
        return 1
    print(f"docs/compatibility.md matches what ran ({', '.join(sorted(ran))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
