// kafkajs against fjord: admin createTopics/fetchTopicMetadata/fetchTopicOffsets/deleteTopics
// and an acks=all producer. Writes what it produced (partition, offset, key, value) as JSON to
// the file given as argv[3]; the Python side reads it back from the broker and compares bytes.
'use strict';
const fs = require('fs');
const { Kafka, logLevel, Partitioners } = require('kafkajs');

const [bootstrap, resultFile] = process.argv.slice(2);
if (!bootstrap || !resultFile) {
  console.error('usage: kafkajs_roundtrip.js <host:port> <result.json>');
  process.exit(2);
}

const TOPIC = 'js-produce';
const TEMP_TOPIC = 'js-temporary';
const COUNT = 500;

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

async function main() {
  const kafka = new Kafka({
    clientId: 'fjord-it-kafkajs',
    brokers: [bootstrap],
    logLevel: logLevel.WARN,
    connectionTimeout: 5000,
    requestTimeout: 15000,
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2000 },
  });

  const admin = kafka.admin();
  await admin.connect();
  const created = await admin.createTopics({
    topics: [{ topic: TOPIC, numPartitions: 3 }, { topic: TEMP_TOPIC, numPartitions: 1 }],
    waitForLeaders: true,
  });
  assert(created === true, 'createTopics did not report the topics as created');
  const again = await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3 }] });
  assert(again === false, 'creating an existing topic should report false (TOPIC_ALREADY_EXISTS)');

  const meta = await admin.fetchTopicMetadata({ topics: [TOPIC] });
  assert(meta.topics.length === 1 && meta.topics[0].name === TOPIC, 'metadata topic missing');
  assert(meta.topics[0].partitions.length === 3,
    `expected 3 partitions, got ${meta.topics[0].partitions.length}`);

  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const produced = [];
  for (let batch = 0; batch < COUNT / 100; batch++) {
    const messages = [];
    for (let i = batch * 100; i < (batch + 1) * 100; i++) {
      messages.push({ key: `key-${i % 17}`, value: `value-${i}-${'z'.repeat(i % 64)}`,
        headers: { seq: String(i) } });
    }
    const meta2 = await producer.send({ topic: TOPIC, acks: -1, messages });
    // One RecordMetadata per partition: its baseOffset plus the order kafkajs sent them in.
    const perPartition = {};
    for (const m of messages) {
      const p = kafka_partition(meta, m.key);
      (perPartition[p] = perPartition[p] || []).push(m);
    }
    for (const r of meta2) {
      assert(r.errorCode === 0, `produce error ${r.errorCode}`);
      const list = perPartition[r.partition] || [];
      list.forEach((m, j) => produced.push({ partition: r.partition,
        offset: Number(r.baseOffset) + j, key: m.key, value: m.value, seq: m.headers.seq }));
    }
  }
  await producer.disconnect();
  assert(produced.length === COUNT, `acknowledged ${produced.length} of ${COUNT}`);

  const offsets = await admin.fetchTopicOffsets(TOPIC);
  for (const o of offsets) {
    const n = produced.filter((m) => m.partition === o.partition).length;
    assert(Number(o.high) === n, `partition ${o.partition}: high ${o.high}, produced ${n}`);
    assert(Number(o.low) === 0, `partition ${o.partition}: low ${o.low}`);
  }

  await admin.deleteTopics({ topics: [TEMP_TOPIC], timeout: 10000 });
  const deadline = Date.now() + 10000;
  for (;;) {
    const topics = await admin.listTopics();
    if (!topics.includes(TEMP_TOPIC)) break;
    assert(Date.now() < deadline, `${TEMP_TOPIC} still listed after deleteTopics`);
    await new Promise((r) => setTimeout(r, 200));
  }
  await admin.disconnect();
  fs.writeFileSync(resultFile, JSON.stringify(produced));
}

// kafkajs' DefaultPartitioner (murmur2, same as Java's) decides placement; the producer
// reports one base offset per partition, so recompute the placement the same way.
const { DefaultPartitioner } = Partitioners;
const partitioner = DefaultPartitioner();
function kafka_partition(meta, key) {
  const partitionMetadata = meta.topics[0].partitions.map((p) => ({
    partitionId: p.partitionId, leader: p.leader }));
  return partitioner({ topic: TOPIC, partitionMetadata, message: { key } });
}

const timer = setTimeout(() => { console.error('kafkajs test timed out'); process.exit(3); }, 90000);
main().then(() => { clearTimeout(timer); process.exit(0); })
  .catch((e) => { console.error('kafkajs test failed:', e && e.stack ? e.stack : e); process.exit(1); });
