// kafkajs consumers in a group against fjord: one reads part of a topic and commits what
// it read, the next resumes exactly after it; then two members split the partitions.
// Usage: kafkajs_group.js <host:port>
'use strict';
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap] = process.argv.slice(2);
if (!bootstrap) {
  console.error('usage: kafkajs_group.js <host:port>');
  process.exit(2);
}
const TOPIC = 'js-groups';
const PARTITIONS = 3;
const COUNT = 60;
const GROUP = 'js-group';

function assert(cond, message) {
  if (!cond) throw new Error(message);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const kafka = new Kafka({
  clientId: 'fjord-it-kafkajs-group', brokers: [bootstrap], logLevel: logLevel.WARN,
  connectionTimeout: 5000, requestTimeout: 15000,
  retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2000 },
});

function member(groupId) {
  return kafka.consumer({ groupId, sessionTimeout: 10000, rebalanceTimeout: 15000,
    heartbeatInterval: 500, maxWaitTimeInMs: 200 });
}

// Reads until `wanted` messages were taken, committing each taken one; messages of the
// same batches past that are neither taken nor committed. Returns the taken values.
async function take(groupId, wanted) {
  const c = member(groupId);
  await c.connect();
  await c.subscribe({ topic: TOPIC, fromBeginning: true });
  const values = [];
  let done;
  const finished = new Promise((r) => { done = r; });
  await c.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      if (values.length >= wanted) return;
      values.push(message.value.toString());
      await c.commitOffsets([{ topic, partition, offset: (Number(message.offset) + 1).toString() }]);
      if (values.length === wanted) done();
    },
  });
  const timer = setTimeout(() => done(), 30000);
  await finished;
  clearTimeout(timer);
  await c.disconnect();
  return values;
}

async function main() {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: COUNT }, (_, i) => ({
    value: `v${i}`, partition: i % PARTITIONS })) });

  const a = await take(GROUP, 25);
  assert(a.length === 25, `first member took ${a.length} of 25`);
  const offsets = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
  const committed = offsets[0].partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  assert(committed === 25, `committed offsets add up to ${committed}, 25 were read`);

  const b = await take(GROUP, COUNT - 25);
  const all = new Set([...a, ...b]);
  assert(all.size === COUNT && b.length === COUNT - 25,
    `second member took ${b.length}; ${all.size} distinct of ${COUNT}`);

  // Two members split the partitions: every partition owned once.
  const owners = {};
  const members = [member('js-split'), member('js-split')];
  for (const [i, c] of members.entries()) {
    c.on(c.events.GROUP_JOIN, (e) => { owners[i] = { generation: e.payload.generationId,
      partitions: (e.payload.memberAssignment[TOPIC] || []).slice() }; });
    await c.connect();
    await c.subscribe({ topic: TOPIC, fromBeginning: true });
    await c.run({ autoCommit: false, eachMessage: async () => {} });
  }
  const deadline = Date.now() + 30000;
  for (;;) {
    const [x, y] = [owners[0], owners[1]];
    if (x && y && x.generation === y.generation && x.partitions.length && y.partitions.length
        && [...x.partitions, ...y.partitions].sort().join(',') === '0,1,2') break;
    assert(Date.now() < deadline, `no split: ${JSON.stringify(owners)}`);
    await sleep(200);
  }
  for (const c of members) await c.disconnect();

  const groups = (await admin.listGroups()).groups.map((g) => g.groupId).sort();
  assert(groups.includes(GROUP) && groups.includes('js-split'), `listGroups: ${groups}`);
  const described = await admin.describeGroups([GROUP]);
  assert(described.groups[0].state === 'Empty', `group state ${described.groups[0].state}`);
  await admin.deleteGroups([GROUP, 'js-split']);
  await producer.disconnect();
  await admin.disconnect();
  console.log(`ok: ${a.length} then ${b.length}; split ${JSON.stringify(owners)}`);
}

const timer = setTimeout(() => { console.error('kafkajs group test timed out'); process.exit(3); }, 150000);
main().then(() => { clearTimeout(timer); process.exit(0); })
  .catch((e) => { console.error('kafkajs group test failed:', e && e.stack ? e.stack : e); process.exit(1); });
