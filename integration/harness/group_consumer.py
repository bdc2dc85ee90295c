#!/usr/bin/python3
"""One librdkafka high-level consumer (confluent-kafka) in a group, as its own process so
a test can SIGKILL it. It subscribes and prints a JSON line each time its assignment
changes: {"owned": [partitions], "t": monotonic seconds}. A line "leave" on stdin
closes it (LeaveGroup for a dynamic member) and it exits 0.

    group_consumer.py BOOTSTRAP GROUP TOPIC [key=value ...]   (librdkafka settings)
"""
import json
import select
import sys
import time

import confluent_kafka as ck


def main():
    bootstrap, group, topic = sys.argv[1:4]
    conf = {"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
            "auto.offset.reset": "earliest", "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 300, "fetch.wait.max.ms": 100}
    for setting in sys.argv[4:]:
        key, value = setting.split("=", 1)
        conf[key] = value
    consumer = ck.Consumer(conf)
    consumer.subscribe([topic])
    owned = None
    try:
        while True:
            m = consumer.poll(0.1)
            if m is not None and m.error() and m.error().fatal():
                print(json.dumps({"fatal": str(m.error())}), flush=True)
                return 1
            now = sorted(tp.partition for tp in consumer.assignment() if tp.topic == topic)
            if now != owned:
                owned = now
                print(json.dumps({"owned": owned, "t": time.monotonic()}), flush=True)
            readable, _, _ = select.select([sys.stdin], [], [], 0)
            if readable:
                line = sys.stdin.readline()
                if line == "" or line.strip() == "leave":
                    break
    finally:
        consumer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
