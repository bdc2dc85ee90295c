// @platformatic/kafka against fjord's group coordinator. It sends the newest request
// versions (JoinGroup v9, OffsetCommit v9, OffsetFetch v9, ListGroups v5, ...), as the
// Java client does. One consumer of a group reads half a topic and commits what it read;
// a second one resumes exactly after it; two more split the partitions between them; the
// admin API lists, describes and deletes the groups.
// Usage: platformatic_groups.js <host:port>
'use strict';
const {
  Admin, Consumer, Producer, ProduceAcks, stringSerializers, stringDeserializers,
} = require('@platformatic/kafka');

const [bootstrap] = process.argv.slice(2);
if (!bootstrap) {
  console.error('usage: platformatic_groups.js <host:port>');
  process.exit(2);
}
const TOPIC = 'pk-groups';
const PARTITIONS = 4;
const GROUP = 'pk-group';
const SPLIT_GROUP = 'pk-split';
const COUNT = 40;

function assert(cond, message) {
  if (!cond) throw new Error(message);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function consumer(clientId, groupId) {
  return new Consumer({
    clientId, groupId, bootstrapBrokers: [bootstrap], deserializers: stringDeserializers,
    sessionTimeout: 10000, rebalanceTimeout: 15000, heartbeatInterval: 500,
    maxWaitTime: 200, retries: 5, retryDelay: 200,
  });
}

// Reads `wanted` messages from the committed offsets (earliest without one), committing
// each; returns their values and, per partition, the next offset to read.
async function readAndCommit(c, wanted) {
  const stream = await c.consume({ topics: [TOPIC], mode: 'committed', fallbackMode: 'earliest',
    autocommit: false });
  const values = [];
  const next = {};
  for await (const m of stream) {
    await m.commit();
    values.push(m.value);
    next[m.partition] = Number(m.offset) + 1;
    if (values.length === wanted) break;
  }
  await stream.close().catch(() => {});
  return { values, next };
}

async function committedOffsets(admin, groupId) {
  const [group] = await admin.listConsumerGroupOffsets({ groups: [groupId] });
  const out = {};
  for (const t of group.topics) {
    for (const p of t.partitions) {
      if (t.name === TOPIC && p.committedOffset >= 0n) out[p.partitionIndex] = Number(p.committedOffset);
    }
  }
  return out;
}

async function main() {
  const admin = new Admin({ clientId: 'pk-admin', bootstrapBrokers: [bootstrap], retries: 5 });
  await admin.createTopics({ topics: [TOPIC], partitions: PARTITIONS, replicas: 1 });
  const producer = new Producer({ clientId: 'pk-producer', bootstrapBrokers: [bootstrap],
    serializers: stringSerializers, acks: ProduceAcks.ALL, autocreateTopics: false });
  const send = (from, to) => producer.send({ messages: Array.from({ length: to - from }, (_, i) => ({
    topic: TOPIC, key: `k${from + i}`, value: `v${from + i}`, partition: (from + i) % PARTITIONS })) });
  await send(0, COUNT);

  // First member: half the topic, each message committed.
  const first = consumer('pk-consumer-1', GROUP);
  const a = await readAndCommit(first, COUNT / 2);
  await first.close();
  const committed = await committedOffsets(admin, GROUP);
  assert(JSON.stringify(committed) === JSON.stringify(a.next),
    `committed ${JSON.stringify(committed)}, read up to ${JSON.stringify(a.next)}`);

  // Second member: resumes where the first stopped, and sees what was produced since.
  await send(COUNT, COUNT + 8);
  const second = consumer('pk-consumer-2', GROUP);
  const b = await readAndCommit(second, COUNT / 2 + 8);
  const all = new Set([...a.values, ...b.values]);
  assert(all.size === COUNT + 8 && a.values.length + b.values.length === COUNT + 8,
    `read ${a.values.length} + ${b.values.length} values, ${all.size} distinct of ${COUNT + 8}`);

  // The admin API while the second member is in the group.
  const listed = await admin.listGroups();
  const g = listed.get(GROUP);
  assert(g && g.state === 'STABLE' && g.protocolType === 'consumer',
    `listGroups: ${JSON.stringify(g)}`);
  const described = (await admin.describeGroups({ groups: [GROUP] })).get(GROUP);
  assert(described.state === 'STABLE' && described.members.size === 1,
    `describeGroups: state ${described.state}, ${described.members.size} members`);
  const [member] = described.members.values();
  assert(member.clientId === 'pk-consumer-2' && member.id === second.memberId,
    `member ${member.id} (${member.clientId}), consumer is ${second.memberId}`);
  const owned = member.assignments && member.assignments.get(TOPIC);
  assert(owned && [...owned.partitions].sort().join(',') === '0,1,2,3',
    `member assignment ${owned && JSON.stringify([...owned.partitions])}`);
  let refused = null;
  await admin.deleteGroups({ groups: [GROUP] }).catch((e) => { refused = e; });
  assert(refused, 'deleteGroups of a group with a member succeeded');
  await second.close();

  // Two members of another group split the partitions.
  const c3 = consumer('pk-consumer-3', SPLIT_GROUP);
  const c4 = consumer('pk-consumer-4', SPLIT_GROUP);
  const s3 = await c3.consume({ topics: [TOPIC], mode: 'latest', autocommit: false });
  const s4 = await c4.consume({ topics: [TOPIC], mode: 'latest', autocommit: false });
  s3.resume();
  s4.resume();
  const owner = (c) => (c.assignments || []).flatMap((x) => (x.topic === TOPIC ? x.partitions : []));
  const deadline = Date.now() + 30000;
  for (;;) {
    const p3 = owner(c3);
    const p4 = owner(c4);
    if (c3.generationId === c4.generationId && p3.length && p4.length
        && [...p3, ...p4].sort().join(',') === '0,1,2,3') break;
    assert(Date.now() < deadline, `no split: ${JSON.stringify(p3)} / ${JSON.stringify(p4)}`);
    await sleep(200);
  }
  await s3.close();
  await s4.close();
  await c3.close();
  await c4.close();

  // Both groups are empty now: they can be deleted, and are gone afterwards.
  await admin.deleteGroups({ groups: [GROUP, SPLIT_GROUP] });
  const after = await admin.listGroups();
  assert(!after.has(GROUP) && !after.has(SPLIT_GROUP), `still listed: ${[...after.keys()]}`);
  const gone = (await admin.describeGroups({ groups: [GROUP] })).get(GROUP);
  assert(!gone || gone.state === 'DEAD', `deleted group described as ${gone && gone.state}`);
  assert(Object.keys(await committedOffsets(admin, GROUP)).length === 0, 'offsets survived deleteGroups');

  await producer.close();
  await admin.close();
  console.log(`ok: read ${a.values.length} then ${b.values.length}, committed ${JSON.stringify(committed)}`);
}

const timer = setTimeout(() => { console.error('platformatic test timed out'); process.exit(3); }, 150000);
main().then(() => { clearTimeout(timer); process.exit(0); })
  .catch((e) => { console.error('platformatic test failed:', e && e.stack ? e.stack : e); process.exit(1); });
