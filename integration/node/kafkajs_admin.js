// kafkajs admin API against fjord: describeConfigs, alterConfigs, createPartitions,
// deleteTopicRecords, each followed by what it should have changed.
// Usage: node kafkajs_admin.js <host:port> <result.json>; writes what it saw, exit 0
// when every step ran (the Python test judges the values).
const fs = require('fs');
const { Kafka, logLevel, ConfigResourceTypes } = require('kafkajs');

const [bootstrap, resultPath] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'fjord-js-admin', brokers: [bootstrap], logLevel: logLevel.NOTHING,
                          retry: { retries: 2, initialRetryTime: 100 } });
const topic = 'js-admin';

async function describe(admin, names) {
  const res = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: names }],
  });
  const out = {};
  for (const e of res.resources[0].configEntries) {
    out[e.configName] = { value: e.configValue, isDefault: e.isDefault, source: e.configSource, readOnly: e.readOnly };
  }
  return out;
}

async function errorOf(promise) {
  try {
    await promise;
    return null;
  } catch (e) {
    return e.type || (e.errors && e.errors[0] && e.errors[0].type) || e.name || String(e);
  }
}

async function main() {
  const result = {};
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
  await admin.connect();
  await producer.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const values = [];
    for (let i = 0; i < 10; i++) values.push({ value: `m${i}` });
    await producer.send({ topic, messages: values.map((m) => ({ ...m, partition: 0 })) });

    result.before = await describe(admin, ['retention.ms', 'max.message.bytes']);
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [
        { name: 'max.message.bytes', value: '300' }, { name: 'retention.ms', value: '86400000' }] }],
    });
    result.after = await describe(admin, ['retention.ms', 'max.message.bytes']);
    result.bigSend = await errorOf(producer.send({ topic, messages: [{ partition: 0, value: 'x'.repeat(1000) }] }));
    result.smallSend = await errorOf(producer.send({ topic, messages: [{ partition: 0, value: 'small' }] }));

    await admin.createPartitions({ topicPartitions: [{ topic, count: 3 }] });
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    result.partitions = meta.topics[0].partitions.length;
    // A new producer: the first one's metadata still has one partition.
    const fresh = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    await fresh.connect();
    const sent = await fresh.send({ topic, messages: [{ partition: 2, value: 'in the new partition' }] });
    await fresh.disconnect();
    result.newPartitionOffset = sent.length ? sent[0].baseOffset : null;

    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '4' }] });
    const offsets = await admin.fetchTopicOffsets(topic);
    result.partition0 = offsets.find((o) => o.partition === 0);

    result.unknownConfig = await errorOf(admin.alterConfigs({ validateOnly: false, resources: [
      { type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'no.such.config', value: '1' }] }] }));
    result.fewerPartitions = await errorOf(admin.createPartitions({ topicPartitions: [{ topic, count: 2 }] }));
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
  fs.writeFileSync(resultPath, JSON.stringify(result, null, 1));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
