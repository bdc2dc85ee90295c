#!/usr/bin/env python3
"""Import the Kafka schemas fjord speaks into protocol/schema/.

Reads <kafka>/message/<Name>{Request,Response}.json (JSON with // comments)
and writes protocol/schema/<Name>{Request,Response}.json with the wire facts
only: api key, versions, field names/types/versions, nullability, tags and
defaults. Descriptions, licence text and broker-internal hints (entityType,
mapKey, ignorable, zeroCopy, listeners, deprecation markers) are dropped.

Field-level "flexibleVersions" is kept too: RequestHeader.ClientId uses it to
stay a classic int16-length string in header v2.

The "data" schemas of the records in __consumer_offsets and
__transaction_state (<kafka>/internal/*.json, each a key or a value) go the
same way into protocol/schema/internal/.

Usage: import_kafka_schemas.py [KAFKA_PROTOCOL_DIR] [OUT_DIR]
  KAFKA_PROTOCOL_DIR holds message/ and internal/.
"""
import json
import os
import re
import sys

# Kafka 3.9's client-facing APIs, whose schemas fjord keeps;
# broker/handlers/handler_table.cpp says which of them it answers.
API_NAMES = [
    "Produce", "Fetch", "ListOffsets", "Metadata", "OffsetCommit", "OffsetFetch",
    "FindCoordinator", "JoinGroup", "Heartbeat", "LeaveGroup", "SyncGroup",
    "DescribeGroups", "ListGroups", "SaslHandshake", "ApiVersions", "CreateTopics",
    "DeleteTopics", "DeleteRecords", "InitProducerId", "OffsetForLeaderEpoch",
    "AddPartitionsToTxn", "AddOffsetsToTxn", "EndTxn", "TxnOffsetCommit",
    "DescribeAcls", "CreateAcls", "DeleteAcls", "DescribeConfigs", "AlterConfigs",
    "DescribeLogDirs", "SaslAuthenticate", "CreatePartitions", "DeleteGroups",
    "ElectLeaders", "IncrementalAlterConfigs", "AlterPartitionReassignments",
    "ListPartitionReassignments", "OffsetDelete", "DescribeUserScramCredentials",
    "AlterUserScramCredentials", "DescribeCluster", "DescribeProducers",
    "DescribeTransactions", "ListTransactions", "DescribeTopicPartitions",
]
# Imported so the Java clients' requests can be decoded in tests (they send
# them when advertised); fjord does not advertise them.
CLIENT_ONLY_API_NAMES = ["ConsumerGroupDescribe", "GetTelemetrySubscriptions"]
# Keys and values of the records in __consumer_offsets / __transaction_state.
INTERNAL_NAMES = [
    "OffsetCommitKey", "OffsetCommitValue", "GroupMetadataKey", "GroupMetadataValue",
    "TransactionLogKey", "TransactionLogValue",
    "ConsumerGroupMetadataKey", "ConsumerGroupMetadataValue",
    "ConsumerGroupPartitionMetadataKey", "ConsumerGroupPartitionMetadataValue",
    "ConsumerGroupMemberMetadataKey", "ConsumerGroupMemberMetadataValue",
    "ConsumerGroupTargetAssignmentMetadataKey", "ConsumerGroupTargetAssignmentMetadataValue",
    "ConsumerGroupTargetAssignmentMemberKey", "ConsumerGroupTargetAssignmentMemberValue",
    "ConsumerGroupCurrentMemberAssignmentKey", "ConsumerGroupCurrentMemberAssignmentValue",
]
HEADERS = ["RequestHeader", "ResponseHeader"]

MESSAGE_KEYS = ["apiKey", "type", "name", "validVersions", "flexibleVersions"]
FIELD_KEYS = ["name", "type", "versions", "nullableVersions", "taggedVersions", "tag",
              "default", "flexibleVersions"]


def strip_comments(text):
    # The Kafka files only use whole-line // comments and trailing // after a
    # value; strings never contain "//" in the files we import.
    return "\n".join(re.sub(r"//.*$", "", line) for line in text.splitlines())


def facts_of_field(field):
    out = {k: field[k] for k in FIELD_KEYS if k in field}
    if "fields" in field:
        out["fields"] = [facts_of_field(f) for f in field["fields"]]
    return out


def facts_of_message(msg):
    out = {k: msg[k] for k in MESSAGE_KEYS if k in msg}
    out["fields"] = [facts_of_field(f) for f in msg["fields"]]
    if "commonStructs" in msg:
        out["commonStructs"] = [
            {"name": s["name"], "versions": s["versions"],
             "fields": [facts_of_field(f) for f in s["fields"]]}
            for s in msg["commonStructs"]]
    return out


def import_all(src_dir, dst_dir, names):
    os.makedirs(dst_dir, exist_ok=True)
    for name in names:
        with open(os.path.join(src_dir, name + ".json"), encoding="utf-8") as f:
            msg = json.loads(strip_comments(f.read()))
        with open(os.path.join(dst_dir, name + ".json"), "w", encoding="utf-8") as f:
            json.dump(facts_of_message(msg), f, indent=2)
            f.write("\n")
    print(f"wrote {len(names)} schemas to {os.path.normpath(dst_dir)}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    src = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/kafka-protocol"
    dst = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "schema")
    apis = API_NAMES + CLIENT_ONLY_API_NAMES
    import_all(os.path.join(src, "message"), dst,
               HEADERS + [n + s for n in apis for s in ("Request", "Response")])
    import_all(os.path.join(src, "internal"), os.path.join(dst, "internal"), INTERNAL_NAMES)


if __name__ == "__main__":
    main()
