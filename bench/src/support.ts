/** What the benchmarks share: the log, the stack's services, admin commands and scratch topics. */
import type { DevFile } from '@eventlens/stack';
import { Kafka, logLevel } from 'kafkajs';
import { createTopicsServed } from '@eventlens/stack/topics';

/** Progress goes to stderr, so stdout holds the table alone. */
export const log = (line: string): void => console.error(`bench: ${line}`);

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The value at fraction `p` (0-1) of ascending `sorted` values (nearest rank, rounding down); NaN if empty. */
export const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

/** The stack with its services running: what the end-to-end latency goes through. */
export type ServiceStack = DevFile & { ingestUrl: string; queryUrl: string; adminToken: string };

/** `dev` with the services' URLs and the admin token; throws when the stack was started without them. */
export function withServices(dev: DevFile): ServiceStack {
  if (!dev.ingestUrl || !dev.queryUrl || !dev.adminToken)
    throw new Error('dev.json lacks the services: restart the stack');
  return dev as ServiceStack;
}

/** POSTs an admin command with the admin token; anything but 201 throws with the answer's body. */
export async function adminClient(ingestUrl: string, token: string) {
  return async (route: string, body: unknown) => {
    const res = await fetch(`${ingestUrl}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`${route} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as Record<string, string>;
  };
}

export async function createTopics(brokers: string, topics: Array<{ topic: string; numPartitions: number }>) {
  const admin = new Kafka({ clientId: 'bench', brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await createTopicsServed(admin, topics);
  await admin.disconnect();
}

/** Deletes every topic whose name starts with `prefix` (a run's own, `bench.<id>.`). */
export async function deleteTopics(brokers: string, prefix: string) {
  const admin = new Kafka({ clientId: 'bench', brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
}
