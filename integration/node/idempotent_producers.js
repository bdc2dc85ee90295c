// Idempotent producers of kafkajs and @platformatic/kafka against fjord: each sends
// "<client>-<i>" for i < COUNT to partition 0 of its own topic in several sends (kafkajs:
// idempotent with one request in flight, as it requires; platformatic: idempotent: true).
// The Python side (test_idempotent_producer.py) reads the partitions back and checks the
// batches carry the producer ids and consecutive sequences, each message exactly once.
// Usage: idempotent_producers.js <host:port> <count>
'use strict';
const { Kafka, logLevel } = require('kafkajs');
const { Producer, stringSerializers } = require('@platformatic/kafka');

const [bootstrap, countArg] = process.argv.slice(2);
if (!bootstrap || !countArg) {
  console.error('usage: idempotent_producers.js <host:port> <count>');
  process.exit(2);
}
const COUNT = Number(countArg);
const PER_SEND = 25;

async function kafkajs() {
  const kafka = new Kafka({ clientId: 'fjord-it-kafkajs-idem', brokers: [bootstrap], logLevel: logLevel.WARN,
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2000 } });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
  await producer.connect();
  for (let from = 0; from < COUNT; from += PER_SEND) {
    const messages = [];
    for (let i = from; i < Math.min(from + PER_SEND, COUNT); i++) messages.push({ partition: 0, value: `kafkajs-${i}` });
    await producer.send({ topic: 'js-idem', acks: -1, messages });
  }
  await producer.disconnect();
}

async function platformatic() {
  const producer = new Producer({ clientId: 'fjord-it-pk-idem', bootstrapBrokers: [bootstrap], idempotent: true,
    serializers: stringSerializers, autocreateTopics: true, retries: 5, retryDelay: 200 });
  try {
    for (let from = 0; from < COUNT; from += PER_SEND) {
      const messages = [];
      for (let i = from; i < Math.min(from + PER_SEND, COUNT); i++)
        messages.push({ topic: 'pk-idem', partition: 0, value: `platformatic-${i}` });
      await producer.send({ messages });
    }
  } finally {
    await producer.close();
  }
}

kafkajs().then(platformatic).then(() => process.exit(0), (err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
