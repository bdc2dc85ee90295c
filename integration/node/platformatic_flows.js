// @platformatic/kafka flows against fjord, one per run; test_platformatic_kafka.py checks
// what the broker stored (keys, headers, order, codecs, producer ids, markers) from the wire.
// Usage: platformatic_flows.js <host:port> produce|admin|codec:<name>|large|idempotent|transactional
'use strict';
const {
  Admin, Consumer, Producer, ProduceAcks, ConfigResourceTypes, stringSerializers,
} = require('@platformatic/kafka');

const [bootstrap, flow] = process.argv.slice(2);
function assert(cond, message) {
  if (!cond) throw new Error(message);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const base = { bootstrapBrokers: [bootstrap], retries: 5, retryDelay: 200 };

async function withAdmin(fn) {
  const admin = new Admin({ clientId: 'pk-admin', ...base });
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

const createTopic = (topic, partitions = 1) => withAdmin((a) => a.createTopics({ topics: [topic], partitions, replicas: 1 }));

async function produce(options, messages) {
  const producer = new Producer({ clientId: 'pk-producer', ...base, acks: ProduceAcks.ALL,
    autocreateTopics: false, ...options });
  try {
    // send() answers at acks=1 unless told (the constructor's acks does not reach it), and
    // fjord makes acks=1 records visible once synced: ask for ALL so they are readable at once.
    const result = await producer.send({ messages, acks: ProduceAcks.ALL });
    // A send can resolve without writing: the nodes it could not write to are listed.
    assert(!result.unwritableNodes || result.unwritableNodes.length === 0,
      `send could not write to nodes ${JSON.stringify(result.unwritableNodes)}`);
  } finally {
    await producer.close();
  }
}

async function readBack(topic, count, extra = {}) {
  const consumer = new Consumer({ clientId: 'pk-reader', groupId: `${topic}-reader`, ...base,
    maxWaitTime: 200, ...extra });
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
  const got = [];
  for await (const m of stream) {
    got.push(m);
    if (got.length === count) break;
  }
  await stream.close().catch(() => {});
  await consumer.close();
  return got;
}

const flows = {
  async produce() {
    // Keyed, with headers, to 3 partitions: the default partitioner (murmur2) places them.
    await createTopic('pk-keyed', 3);
    await produce({ serializers: stringSerializers }, Array.from({ length: 300 }, (_, i) => ({
      topic: 'pk-keyed', key: `user-${i % 13}`, value: `event ${i}`, headers: { seq: String(i), source: 'pk' } })));
  },

  async admin() {
    await withAdmin(async (admin) => {
      await admin.createTopics({ topics: ['pk-admin'], partitions: 3, replicas: 1,
        configs: [{ name: 'retention.ms', value: '86400000' }] });
      let refused = null;
      await admin.createTopics({ topics: ['pk-admin'], partitions: 3, replicas: 1 }).catch((e) => { refused = e; });
      assert(refused, 'creating an existing topic succeeded');
      assert((await admin.listTopics()).includes('pk-admin'), 'listTopics misses pk-admin');
      const meta = await admin.metadata({ topics: ['pk-admin'] });
      assert(meta.topics.get('pk-admin').partitionsCount === 3, 'metadata: not 3 partitions');
      const config = async () => {
        const [d] = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC,
          resourceName: 'pk-admin', configurationKeys: ['retention.ms'] }] });
        return d.configs.find((c) => c.name === 'retention.ms').value;
      };
      assert(await config() === '86400000', `retention.ms ${await config()}`);
      await admin.alterConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: 'pk-admin',
        configs: [{ name: 'retention.ms', value: '3600000' }] }] });
      assert(await config() === '3600000', `after alterConfigs: ${await config()}`);
      await admin.deleteTopics({ topics: ['pk-admin'] });
      const deadline = Date.now() + 10000;
      while ((await admin.listTopics()).includes('pk-admin')) {
        assert(Date.now() < deadline, 'pk-admin still listed after deleteTopics');
        await sleep(100);
      }
    });
  },

  async large() {
    await createTopic('pk-large');
    const big = Buffer.alloc(1 << 20);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 251;
    await produce({}, [Buffer.from('before'), big, Buffer.from('after')].map((value) => ({
      topic: 'pk-large', value, partition: 0 })));
    const got = await readBack('pk-large', 3);
    assert(got[1].value.equals(big) && got[0].value.toString() === 'before' && got[2].value.toString() === 'after',
      `read back sizes ${got.map((m) => m.value.length)}`);
  },

  async idempotent() {
    await createTopic('pk-idempotent');
    await produce({ idempotent: true, serializers: stringSerializers }, Array.from({ length: 300 }, (_, i) => ({
      topic: 'pk-idempotent', key: `k${i % 7}`, value: `v${i}`, partition: 0 })));
  },

  async transactional() {
    await createTopic('pk-transactional');
    const producer = new Producer({ clientId: 'pk-tx', ...base, acks: ProduceAcks.ALL, idempotent: true,
      transactionalId: 'pk-tx', serializers: stringSerializers, autocreateTopics: false });
    try {
      let txn = await producer.beginTransaction();
      await txn.send({ messages: Array.from({ length: 100 }, (_, i) => ({
        topic: 'pk-transactional', value: `committed-${i}`, partition: 0 })) });
      await txn.commit();
      txn = await producer.beginTransaction();
      await txn.send({ messages: Array.from({ length: 50 }, (_, i) => ({
        topic: 'pk-transactional', value: `aborted-${i}`, partition: 0 })) });
      await txn.abort();
    } finally {
      await producer.close();
    }
  },
};

async function run() {
  if (flow && flow.startsWith('codec:')) {
    const codec = flow.slice(6);
    const topic = `pk-${codec}`;
    await createTopic(topic);
    await produce({ compression: codec, serializers: stringSerializers }, Array.from({ length: 300 }, (_, i) => ({
      topic, key: `k${i % 9}`, value: `${i} ${'compressible text '.repeat(i % 40)}`, partition: 0 })));
    return;
  }
  if (!flows[flow]) {
    console.error(`usage: platformatic_flows.js <host:port> ${Object.keys(flows).join('|')}|codec:<name>`);
    process.exit(2);
  }
  await flows[flow]();
}

const timer = setTimeout(() => { console.error(`platformatic ${flow} timed out`); process.exit(3); }, 60000);
run().then(() => { clearTimeout(timer); process.exit(0); })
  .catch((e) => { console.error(`platformatic ${flow} failed:`, e && e.stack ? e.stack : e); process.exit(1); });
