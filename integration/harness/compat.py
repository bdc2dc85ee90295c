"""The compatibility contract: which client proves which flow (docs/compatibility.md).

A test function belongs to a client's scenario set by naming the flows it proves:

    KCAT = compat.kcat()
    KCAT.unsupported("transactional", "kcat has no transactional producer")

    @KCAT.flow("keyed-order", "headers")
    def test_keyed_roundtrip(): ...

testing.main() runs the functions and, when $FJORD_COMPAT_RESULTS names a directory,
writes each client's outcomes there (<client>.<test file>.json). A flow passes only if
every function naming it passed. compatibility_table.py renders the table from those files.
"""
import json
import os
import re
import shutil
import subprocess
import sys

# The flows every client is asked for, in table order: id -> column heading.
COMMON_FLOWS = {
    "metadata": "Metadata",
    "keyed-order": "Keyed, in order per partition",
    "group-rebalance": "Group of two, rebalance",
    "commit-resume": "Commit and resume",
    "admin-topics": "Admin: topics",
    "admin-configs": "Admin: configs",
    "headers": "Headers",
    "codecs": "Codecs",
    "large-message": "1 MiB message",
    "idempotent": "Idempotent producer",
    "transactional": "Transactions",
}

# Table row order; a client's display name is its key.
CLIENT_ORDER = ["kcat", "librdkafka", "confluent-kafka", "kafka-python", "kafkajs",
                "@platformatic/kafka", "Kafka 3.9 Java tools", "Kafka scripts"]

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_MODULES = os.path.join(os.path.dirname(HERE), "node", "node_modules")
_registry = []


class Client:
    def __init__(self, name, version):
        self.name = name
        self.version = version
        self.outcomes = {}      # flow -> "pass" | "fail"
        self.unsupported_flows = {}  # flow -> why
        self.descriptions = {}  # client-specific flow -> what it proves
        self.notes = {}         # flow -> a limit of the client worth knowing (shown in its section)
        _registry.append(self)

    def flow(self, *flows, describe=None):
        """Decorates a test function as proving `flows`. A flow not in COMMON_FLOWS is
        this client's own and needs `describe` (one line for the table)."""
        for f in flows:
            if f not in COMMON_FLOWS:
                if describe is None and f not in self.descriptions:
                    raise ValueError(f"{self.name}: client-specific flow {f!r} needs describe=")
                if describe is not None:
                    self.descriptions[f] = describe

        def mark(fn):
            fn.compat = getattr(fn, "compat", []) + [(self, flows)]
            return fn
        return mark

    def unsupported(self, flow, why):
        self.unsupported_flows[flow] = why

    def note(self, flow, text):
        self.notes[flow] = text

    def record(self, flows, passed):
        for f in flows:
            if self.outcomes.get(f) != "fail":
                self.outcomes[f] = "pass" if passed else "fail"


def flow_label(fn):
    """' [kcat: metadata, keyed-order]' for a test function that proves flows."""
    marks = getattr(fn, "compat", [])
    return "".join(f" [{c.name}: {', '.join(flows)}]" for c, flows in marks)


def record(fn, passed):
    for client, flows in getattr(fn, "compat", []):
        client.record(flows, passed)


def write_results(test_file):
    """One JSON file per client that recorded anything, when $FJORD_COMPAT_RESULTS is set."""
    out_dir = os.environ.get("FJORD_COMPAT_RESULTS")
    if not out_dir:
        return
    os.makedirs(out_dir, exist_ok=True)
    stem = os.path.splitext(os.path.basename(test_file))[0]
    for c in _registry:
        if not c.outcomes:
            continue
        slug = re.sub(r"[^A-Za-z0-9]+", "-", c.name).strip("-")
        with open(os.path.join(out_dir, f"{slug}.{stem}.json"), "w") as f:
            json.dump({"client": c.name, "version": c.version, "file": stem,
                       "outcomes": c.outcomes, "unsupported": c.unsupported_flows,
                       "descriptions": c.descriptions, "notes": c.notes}, f, indent=1, sort_keys=True)


# Kafka's API keys the idempotent and transactional flows need, by name.
PRODUCER_ID_APIS = {"InitProducerId": 22}
TRANSACTION_APIS = {"InitProducerId": 22, "AddPartitionsToTxn": 24, "AddOffsetsToTxn": 25,
                    "EndTxn": 26, "TxnOffsetCommit": 28}


def require_apis(broker, apis):
    """Fails at once (instead of letting a client retry until its timeout) when the broker
    does not advertise every API of `apis` ({name: key})."""
    import kafka_wire
    with kafka_wire.Connection(broker.host_port) as conn:
        error, ranges = kafka_wire.api_versions(conn)
    missing = [name for name, key in apis.items() if key not in ranges]
    if error or missing:
        raise AssertionError(f"fjord does not advertise {', '.join(missing)} (ApiVersions error {error})")


def await_markers(broker, topic, count, partition=0, timeout=10.0):
    """The partition's batches once `count` transaction markers (control batches) are
    stored: Kafka writes them after answering EndTxn, so they may trail the client."""
    import time
    import kafka_wire
    deadline = time.monotonic() + timeout
    while True:
        _, batches = kafka_wire.read_all(broker.host_port, topic, partition)
        markers = sum(1 for b in batches if b["attributes"] & 0x20)
        if markers >= count:
            return batches
        if time.monotonic() > deadline:
            raise AssertionError(f"{topic}/{partition}: {markers} transaction markers after {timeout}s, "
                                 f"expected {count}")
        time.sleep(0.05)


def stored_data(broker, topic, partition=0):
    """(data records, batches) of a partition as stored; control batches left out of the first."""
    import kafka_wire
    _, batches = kafka_wire.read_all(broker.host_port, topic, partition)
    return [r for b in batches if not b["attributes"] & 0x20 for r in b["records"]], batches


def check_idempotent_topic(broker, topic):
    """What the Node clients' "idempotent" flow stores: v0..v299, every batch with a producer id."""
    from testing import check
    records, batches = stored_data(broker, topic)
    check([r["value"] for r in records] == [b"v%d" % i for i in range(300)], f"{len(records)} records stored")
    check(all(b["producer_id"] >= 0 for b in batches), "batches stored without a producer id")


def check_transactional_topic(broker, topic):
    """What the Node clients' "transactional" flow stores: 150 transactional records, then
    a commit and an abort marker."""
    from testing import check
    await_markers(broker, topic, 2)
    records, batches = stored_data(broker, topic)
    check(len(records) == 150 and all(b["attributes"] & 0x10 for b in batches),
          f"{len(records)} transactional records stored")
    markers = [b for b in batches if b["attributes"] & 0x20]
    check(len(markers) == 2, f"{len(markers)} transaction markers, expected a commit and an abort")


# ------------------------------------------------------------------ the clients
def _client(name, version):
    """One Client per name and process: a test file may import another's helpers."""
    for c in _registry:
        if c.name == name:
            return c
    return Client(name, version)


def _output(cmd):
    try:
        return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


def _npm_version(package):
    try:
        with open(os.path.join(NODE_MODULES, package, "package.json")) as f:
            return json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        return "not installed"


def kcat():
    found = re.search(r"Version (\S+) .*librdkafka (\S+)", _output([shutil.which("kcat") or "kcat", "-V"]))
    return _client("kcat", f"{found.group(1)} (librdkafka {found.group(2)})" if found else "unknown")


def librdkafka():
    version = _output(["pkg-config", "--modversion", "rdkafka"]).strip() or "unknown"
    return _client("librdkafka", f"{version} (C and C++ API)")


def confluent_kafka():
    try:
        import confluent_kafka as ck
        version = f"{ck.version()[0]} (librdkafka {ck.libversion()[0]})"
    except ImportError:
        version = "not installed"
    return _client("confluent-kafka", version)


def kafka_python():
    try:
        import kafka
        version = kafka.__version__
    except ImportError:
        version = "not installed"
    return _client("kafka-python", version)


def kafkajs():
    return _client("kafkajs", _npm_version("kafkajs"))


def platformatic_kafka():
    return _client("@platformatic/kafka", _npm_version("@platformatic/kafka"))


def java_tools():
    # Their request sequences, replayed at their versions from captured bytes
    # (integration/java_golden/, shared/docs/java-clients.md).
    return _client("Kafka 3.9 Java tools", "3.9 (replayed)")


def kafka_scripts(version):
    # A real Kafka's bin/kafka-*.sh (test_kafka_scripts.py, only where KAFKA_HOME is set).
    return _client("Kafka scripts", f"{version} (KAFKA_HOME)")


if __name__ == "__main__":
    sys.exit("a library for the integration tests; see compatibility_table.py")
