/**
 * The admin tail against the stack's real broker when the group coordinator does not answer its
 * first join in time (a fresh broker still loading `__consumer_offsets` on a loaded machine):
 * kafkajs gives up with KafkaJSGroupCoordinatorNotFound, a crash it does not restart. The network
 * between the tail and the broker drops every FindCoordinator request until that crash is logged.
 */
import { randomUUID } from 'node:crypto';
import { eventually } from '@eventlens/stack/eventually';
import { API_KEYS, requestDropper } from '@eventlens/stack/kafka-faults';
import { recordingLogger, type RecordedLine } from '@eventlens/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTopics, deleteTestTopics, testStack, type TestStack } from '../test-support';
import { createTopicTail, type TopicTail } from './topic-tail';

describe('the admin tail when the group coordinator does not answer its first join', () => {
  let stack: TestStack;
  let topics: { events: string; admin: string };
  let tail: TopicTail | undefined;

  beforeAll(async () => {
    stack = await testStack();
    topics = await createTestTopics(stack);
    const producer = stack.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topics.admin,
      messages: [{ value: 'first' }, { value: 'second' }],
    });
    await producer.disconnect();
  });

  afterAll(async () => {
    await tail?.stop();
    if (topics) await deleteTestTopics(stack, topics);
  });

  it('starts again after kafkajs gives up on the join, then reads the whole topic and keeps fetching', async () => {
    const dropper = requestDropper();
    const lines: RecordedLine[] = [];
    const read: string[] = [];
    dropper.drop(API_KEYS.FindCoordinator);
    tail = createTopicTail({
      brokers: stack.brokers,
      clientId: `tail-test-${randomUUID()}`,
      logger: recordingLogger(lines),
      topic: topics.admin,
      requestTimeoutMs: 1000,
      socketFactory: dropper.socketFactory,
      onRecord: (value) => {
        read.push(value?.toString() ?? '');
      },
    });
    await tail.start();

    // The join's coordinator lookup timed out and kafkajs stopped the consumer for good…
    const crash = await eventually(
      'the consumer crash kafkajs does not restart',
      () => lines.find((l) => l.message === 'consumer crashed'),
      { timeoutMs: 30_000 },
    );
    expect(crash.fields).toMatchObject({ restartedBy: 'EventLens' });
    expect(dropper.dropped()).toBeGreaterThan(0);
    expect(tail.lastFetchAt()).toBeUndefined();
    // …and the coordinator answers again.
    dropper.pass();

    await eventually('the tail caught up and fetching', () => tail!.caughtUp() && tail!.lastFetchAt(), {
      timeoutMs: 30_000,
    });
    expect(read).toEqual(['first', 'second']);
    expect(lines.map((l) => l.message)).toContain('consumer started again after a crash');
  });
});
