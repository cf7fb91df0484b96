#!/usr/bin/env node
/**
 * A consumer of EventLens's events topic written outside EventLens: it knows the brokers, the topic
 * and the schema registry's URL, and nothing of EventLens's code. It uses only kafkajs and
 * @kafkajs/confluent-schema-registry (README.md).
 *
 * Each record is Avro in the Confluent wire format (magic byte 0, the writer's schema id, the body).
 * The registry gives the writer's schema by its id; the record is read into the reader schema this
 * consumer is pinned to (`--reader-version`, a version of the subject dev.eventlens.EventTracked), or
 * into the writer's own schema when unpinned. EventLens keeps that subject FULL_TRANSITIVE, so a
 * consumer pinned to any version reads the records of every version, older and newer.
 *
 * Prints one JSON line per event on stdout: { partition, offset, schema_id, event }.
 */
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';

/** The record-name subject of EventLens's analytics events. */
export const SUBJECT = 'dev.eventlens.EventTracked';

/**
 * Consumes `topic` from the beginning (the first time `groupId` runs) and calls `onEvent` with each
 * event read into the pinned reader schema. A record that cannot be read is passed to `onError` and
 * skipped: one bad record must not stop the partition. Returns `stop()`.
 *
 * @param {{ brokers: string[], registryUrl: string, topic?: string, groupId: string,
 *   readerVersion?: number, onEvent: (event: Record<string, unknown>, at: { partition: number, offset: string, schemaId: number }) => Promise<void> | void,
 *   onError?: (error: Error, at: { partition: number, offset: string }) => void }} options
 */
export async function consume(options) {
  const registry = new SchemaRegistry({ host: options.registryUrl });
  // The pinned reader schema, fetched once by subject and version.
  const readerSchema =
    options.readerVersion === undefined
      ? undefined
      : await registry.getSchema(await registry.getRegistryId(SUBJECT, options.readerVersion));
  const decodeOptions = readerSchema ? { [SchemaType.AVRO]: { readerSchema } } : undefined;

  const kafka = new Kafka({
    clientId: 'eventlens-external-consumer',
    brokers: options.brokers,
    logLevel: logLevel.WARN,
  });
  const consumer = kafka.consumer({ groupId: options.groupId });
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic ?? 'eventlens.events', fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      if (!message.value) return;
      let event;
      try {
        event = await registry.decode(message.value, decodeOptions);
      } catch (error) {
        options.onError?.(/** @type {Error} */ (error), { partition, offset: message.offset });
        return;
      }
      await options.onEvent(
        { ...event },
        { partition, offset: message.offset, schemaId: message.value.readUInt32BE(1) },
      );
    },
  });
  return { stop: () => consumer.disconnect() };
}

async function main() {
  const { values } = parseArgs({
    options: {
      brokers: { type: 'string', default: '127.0.0.1:19092' }, // the local stack's (EVENTLENS_KAFKA_PORT)
      registry: { type: 'string' },
      topic: { type: 'string', default: 'eventlens.events' },
      group: { type: 'string', default: 'external-consumer' },
      'reader-version': { type: 'string' },
      max: { type: 'string' },
    },
  });
  if (!values.registry) {
    process.stderr.write(
      'usage: consumer.mjs --registry <url> [--brokers host:port,…] [--topic t] [--group g] [--reader-version n] [--max n]\n',
    );
    process.exitCode = 2;
    return;
  }
  const max = values.max === undefined ? Infinity : Number(values.max);
  let seen = 0;
  /** @type {(value?: unknown) => void} */
  let finish = () => undefined;
  const finished = new Promise((resolve) => (finish = resolve));
  process.once('SIGINT', finish).once('SIGTERM', finish);
  const running = await consume({
    brokers: values.brokers.split(','),
    registryUrl: values.registry,
    topic: values.topic,
    groupId: values.group,
    ...(values['reader-version'] === undefined ? {} : { readerVersion: Number(values['reader-version']) }),
    onEvent: (event, at) => {
      process.stdout.write(
        `${JSON.stringify({ partition: at.partition, offset: at.offset, schema_id: at.schemaId, event })}\n`,
      );
      if (++seen >= max) finish();
    },
    onError: (error, at) => process.stderr.write(`skipped ${at.partition}@${at.offset}: ${error.message}\n`),
  });
  await finished;
  await running.stop();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
