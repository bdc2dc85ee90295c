// kafkajs producer flows against fjord, one per run; test_kafkajs.py checks what the
// broker stored (codecs, producer ids, transaction markers) from the wire.
// Usage: kafkajs_flows.js <host:port> gzip|large|idempotent|transactional
'use strict';
const { Kafka, logLevel, CompressionTypes } = require('kafkajs');

const [bootstrap, flow] = process.argv.slice(2);
function assert(cond, message) {
  if (!cond) throw new Error(message);
}

const kafka = new Kafka({
  clientId: 'fjord-it-kafkajs', brokers: [bootstrap], logLevel: logLevel.WARN,
  connectionTimeout: 5000, requestTimeout: 15000,
  retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2000 },
});

async function createTopic(topic) {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
}

// Reads `count` messages of partition 0 from the beginning with a group consumer.
async function readBack(topic, count) {
  const consumer = kafka.consumer({ groupId: `${topic}-reader`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got = [];
  await new Promise((resolve, reject) => {
    consumer.run({ eachMessage: async ({ message }) => {
      got.push(message);
      if (got.length === count) resolve();
    } }).catch(reject);
  });
  await consumer.disconnect();
  return got;
}

const flows = {
  async gzip() {
    const topic = 'js-gzip';
    await createTopic(topic);
    const producer = kafka.producer();
    await producer.connect();
    const messages = Array.from({ length: 300 }, (_, i) => ({
      key: `k${i % 9}`, value: `${i} ${'compressible text '.repeat(i % 40)}`, partition: 0 }));
    await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages });
    await producer.disconnect();
  },

  async large() {
    const topic = 'js-large';
    await createTopic(topic);
    const big = Buffer.alloc(1 << 20);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 251;
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [
      { value: 'before', partition: 0 }, { value: big, partition: 0 }, { value: 'after', partition: 0 }] });
    await producer.disconnect();
    const got = await readBack(topic, 3);
    assert(got[0].value.toString() === 'before' && got[1].value.equals(big) && got[2].value.toString() === 'after',
      `read back sizes ${got.map((m) => m.value.length)}`);
  },

  async idempotent() {
    const topic = 'js-idempotent';
    await createTopic(topic);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let b = 0; b < 3; b++) {
      await producer.send({ topic, acks: -1, messages: Array.from({ length: 100 }, (_, i) => ({
        key: `k${i % 7}`, value: `v${b * 100 + i}`, partition: 0 })) });
    }
    await producer.disconnect();
  },

  async transactional() {
    const topic = 'js-transactional';
    await createTopic(topic);
    const producer = kafka.producer({ transactionalId: 'js-tx', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    let txn = await producer.transaction();
    await txn.send({ topic, messages: Array.from({ length: 100 }, (_, i) => ({ value: `committed-${i}`, partition: 0 })) });
    await txn.commit();
    txn = await producer.transaction();
    await txn.send({ topic, messages: Array.from({ length: 50 }, (_, i) => ({ value: `aborted-${i}`, partition: 0 })) });
    await txn.abort();
    await producer.disconnect();
    const got = await readBack(topic, 100);  // read_committed is kafkajs' default
    assert(got.every((m, i) => m.value.toString() === `committed-${i}`), 'read_committed read other records');
  },
};

if (!flows[flow]) {
  console.error(`usage: kafkajs_flows.js <host:port> ${Object.keys(flows).join('|')}`);
  process.exit(2);
}
const timer = setTimeout(() => { console.error(`kafkajs ${flow} timed out`); process.exit(3); }, 60000);
flows[flow]().then(() => { clearTimeout(timer); process.exit(0); })
  .catch((e) => { console.error(`kafkajs ${flow} failed:`, e && e.stack ? e.stack : e); process.exit(1); });
