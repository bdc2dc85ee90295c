#!/usr/bin/python3
"""Renders docs/compatibility.md from the outcomes the clients' scenario sets recorded in
$FJORD_COMPAT_RESULTS (harness/compat.py), and fails if the committed file says otherwise.

    compatibility_table.py --reset    empty the results directory (ctest fixture set-up)
    compatibility_table.py            compare (ctest fixture clean-up, after the clients ran)

FJORD_UPDATE_COMPATIBILITY=1 writes the file instead of comparing. The file ends with the
outcomes it was rendered from, one record per client and test file, in an HTML comment: a
test file that did not run this time (its tool missing, or not selected) keeps its record,
so a partial run compares and updates only what ran."""
import glob
import json
import os
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
([integration-tests.md](integration-tests.md) says how). With `KAFKA_HOME` naming a Kafka
installation, `integration.kafka_scripts` also runs Kafka's quickstart through its real
`bin/kafka-*.sh` scripts, and a *Kafka scripts* row appears once such a run is committed.
"""


RECORDS_BEGIN, RECORDS_END = "<!-- outcomes (one record per client and test file):", "-->"


def load(results_dir):
    """{(client, test file): record} of what ran."""
    records = {}
    for path in sorted(glob.glob(os.path.join(results_dir, "*.json"))):
        with open(path) as f:
            r = json.load(f)
        records[(r["client"], r["file"])] = r
    return records


def committed_records(text):
    """The records a committed file was rendered from, less those of test files now gone."""
    start = text.find(RECORDS_BEGIN)
    if start < 0:
        return {}
    end = text.find(RECORDS_END, start)
    records = {}
    for line in text[start + len(RECORDS_BEGIN):end].strip().splitlines():
        r = json.loads(line)
        if os.path.exists(os.path.join(HERE, r["file"] + ".py")):
            records[(r["client"], r["file"])] = r
    return records


def merge(records):
    """{client: {"version", "outcomes", "unsupported", "descriptions", "notes"}}: a flow
    passes only where every test file proving it passed."""
    clients = {}
    for (name, _), r in sorted(records.items()):
        c = clients.setdefault(name, {"version": r["version"], "outcomes": {}, "unsupported": {},
                                      "descriptions": {}, "notes": {}, "files": []})
        c["files"].append(r["file"])
        for flow, outcome in r["outcomes"].items():
            if c["outcomes"].get(flow) != "fail":
                c["outcomes"][flow] = outcome
        for key in ("unsupported", "descriptions", "notes"):
            c[key].update(r.get(key, {}))
    return clients


def cell(client, flow):
    outcome = client["outcomes"].get(flow)
    if outcome:
        return outcome
    return "n/s" if flow in client["unsupported"] else "-"


def row(name, client):
    return "| " + " | ".join([name, client["version"]] + [cell(client, f) for f in COMMON_FLOWS]) + " |"


def section(name, client):
    lines = [f"### {name}", "", "Scenarios: " + ", ".join(f"`integration/{f}.py`" for f in client["files"]), ""]
    own = sorted(f for f in client["outcomes"] if f not in COMMON_FLOWS)
    if own:
        lines += ["| Flow | Outcome | What it proves |", "|---|---|---|"]
        lines += [f"| `{f}` | {client['outcomes'][f]} | {client['descriptions'].get(f, '')} |" for f in own]
        lines.append("")
    order = list(COMMON_FLOWS)
    rank = lambda item: (order.index(item[0]) if item[0] in order else len(order), item[0])  # noqa: E731
    limits = [f"- n/s {COMMON_FLOWS.get(f, f)}: {why}" for f, why in sorted(client["unsupported"].items(), key=rank)
              if f not in client["outcomes"]]
    limits += [f"- {COMMON_FLOWS.get(f, f)}: {text}" for f, text in sorted(client["notes"].items(), key=rank)]
    if limits:
        lines += limits + [""]
    return "\n".join(lines)


def render(records):
    clients = merge(records)
    rank = {n: i for i, n in enumerate(CLIENT_ORDER)}
    names = sorted(clients, key=lambda n: (rank.get(n, len(rank)), n))
    out = [HEADER, "| Client | Version | " + " | ".join(COMMON_FLOWS.values()) + " |",
           "|" + "---|" * (len(COMMON_FLOWS) + 2)]
    out += [row(n, clients[n]) for n in names]
    out += ["", "## Each client's own flows and limits", ""]
    out += [section(n, clients[n]).rstrip("\n") + "\n" for n in names]
    out += [RECORDS_BEGIN] + [json.dumps(r, sort_keys=True) for _, r in sorted(records.items())] + [RECORDS_END]
    return "\n".join(out) + "\n"


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
    records = committed_records(committed)
    kept = sorted({f"{c} ({f})" for c, f in records if (c, f) not in ran})
    records.update(ran)
    text = render(records)
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
    print(f"docs/compatibility.md matches what ran ({', '.join(sorted({c for c, _ in ran}))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
