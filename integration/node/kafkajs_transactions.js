// kafkajs transactional producer against fjord: one transaction committed, one aborted,
// and one that sends consumer offsets (sendOffsets) before committing. Writes what it
// did as JSON to argv[3]; the Python side checks the log and the committed offsets.
'use strict';
const fs = require('fs');
const { Kafka, logLevel, Partitioners } = require('kafkajs');

const [bootstrap, resultFile] = process.argv.slice(2);
if (!bootstrap || !resultFile) {
  console.error('usage: kafkajs_transactions.js <host:port> <result.json>');
  process.exit(2);
}

const TOPIC = 'js-txn';

async function main() {
  const kafka = new Kafka({
    clientId: 'fjord-it-kafkajs-txn',
    brokers: [bootstrap],
    logLevel: logLevel.WARN,
    connectionTimeout: 5000,
    requestTimeout: 15000,
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 2000 },
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();

  const producer = kafka.producer({
    transactionalId: 'js-tx',
    maxInFlightRequests: 1,
    idempotent: true,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const result = { committed: [], aborted: [] };

  let txn = await producer.transaction();
  const committed = Array.from({ length: 5 }, (_, i) => ({ value: `commit-${i}` }));
  await txn.send({ topic: TOPIC, messages: committed });
  await txn.commit();
  result.committed.push(...committed.map((m) => m.value));

  txn = await producer.transaction();
  const aborted = Array.from({ length: 3 }, (_, i) => ({ value: `abort-${i}` }));
  await txn.send({ topic: TOPIC, messages: aborted });
  await txn.abort();
  result.aborted.push(...aborted.map((m) => m.value));

  txn = await producer.transaction();
  await txn.send({ topic: TOPIC, messages: [{ value: 'with-offsets' }] });
  await txn.sendOffsets({
    consumerGroupId: 'js-txn-group',
    topics: [{ topic: TOPIC, partitions: [{ partition: 0, offset: '42' }] }],
  });
  await txn.commit();
  result.committed.push('with-offsets');

  await producer.disconnect();
  fs.writeFileSync(resultFile, JSON.stringify(result));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
