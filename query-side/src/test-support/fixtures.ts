/** Rows the projections would write, inserted directly by the owner for tests. */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { generateApiKey, hashApiKey, hashPassword } from '@eventlens/contracts';
import { pagePath } from '@eventlens/read-model';

export interface Tenants {
  projectA: string;
  projectB: string;
  readKeyA: string;
  readKeyB: string;
  revokedKeyA: string;
  writeKeyA: string;
  keyIds: { readA: string; readB: string; revokedA: string; writeA: string };
  user: { user_id: string; email: string; password: string };
}

export async function insertProject(owner: pg.Pool, name: string, createdAt = new Date()): Promise<string> {
  const id = randomUUID();
  await owner.query(
    'insert into admin.projects (project_id, name, created_at, created_by) values ($1, $2, $3, $4)',
    [id, name, createdAt, 'fixture'],
  );
  return id;
}

export async function insertKey(
  owner: pg.Pool,
  projectId: string,
  kind: 'read' | 'write',
  options: { revoked?: boolean; name?: string } = {},
): Promise<{ key: string; keyId: string }> {
  const key = generateApiKey(kind);
  const keyId = randomUUID();
  await owner.query(
    `insert into admin.api_keys (key_id, project_id, kind, name, key_hash, key_prefix, issued_at, revoked_at)
     values ($1, $2, $3, $4, $5, $6, now(), $7)`,
    [
      keyId,
      projectId,
      kind,
      options.name ?? `${kind} key`,
      hashApiKey(key),
      key.slice(0, 10),
      options.revoked ? new Date() : null,
    ],
  );
  return { key, keyId };
}

export async function insertUser(owner: pg.Pool, email: string, password: string): Promise<string> {
  const id = randomUUID();
  // A low scrypt cost keeps fixtures fast; verification reads the cost from the hash.
  const hash = await hashPassword(password, { N: 1024 });
  await owner.query(
    'insert into admin.users (user_id, email, name, password_hash, registered_at) values ($1, $2, $3, $4, now())',
    [id, email, 'Fixture User', hash],
  );
  return id;
}

export async function seedTenants(owner: pg.Pool): Promise<Tenants> {
  const projectA = await insertProject(owner, 'Project A', new Date('2024-01-01T00:00:00Z'));
  const projectB = await insertProject(owner, 'Project B', new Date('2024-01-02T00:00:00Z'));
  const readA = await insertKey(owner, projectA, 'read', { name: 'reader A' });
  const readB = await insertKey(owner, projectB, 'read', { name: 'reader B' });
  const revokedA = await insertKey(owner, projectA, 'read', { revoked: true, name: 'old reader A' });
  const writeA = await insertKey(owner, projectA, 'write', { name: 'site A' });
  const email = 'admin@example.test';
  const password = 'correct horse battery staple';
  const userId = await insertUser(owner, email, password);
  return {
    projectA,
    projectB,
    readKeyA: readA.key,
    readKeyB: readB.key,
    revokedKeyA: revokedA.key,
    writeKeyA: writeA.key,
    keyIds: { readA: readA.keyId, readB: readB.keyId, revokedA: revokedA.keyId, writeA: writeA.keyId },
    user: { user_id: userId, email, password },
  };
}

export interface EventFixture {
  project_id: string;
  event_id?: string;
  event_name?: string;
  session_id?: string | null;
  user_id?: string | null;
  anonymous_id?: string | null;
  ts: Date;
  received_at?: Date;
  url?: string | null;
  referrer?: string | null;
  metadata?: Record<string, unknown>;
  context?: Record<string, string>;
}

export async function insertEvents(owner: pg.Pool, events: EventFixture[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < events.length; i += 500) {
    const chunk = events.slice(i, i + 500);
    const values: unknown[] = [];
    const tuples = chunk.map((e, j) => {
      const id = e.event_id ?? randomUUID();
      ids.push(id);
      values.push(
        e.project_id,
        id,
        e.event_name ?? 'click',
        e.session_id ?? null,
        e.user_id ?? null,
        e.anonymous_id ?? null,
        e.ts,
        e.received_at ?? e.ts,
        e.url ?? null,
        // As the analytics projection writes it.
        e.url == null ? null : pagePath(e.url),
        e.referrer ?? null,
        JSON.stringify(e.metadata ?? {}),
        JSON.stringify(e.context ?? {}),
      );
      const b = j * 13;
      return `(${Array.from({ length: 13 }, (_, k) => `$${b + k + 1}`).join(', ')})`;
    });
    // The events and their human ones' count per UTC minute and name (volume_minute), as the
    // analytics projection writes both in one transaction: the Stats API reads either.
    await owner.query(
      `with inserted as (
         insert into analytics.events (project_id, event_id, event_name, session_id, user_id, anonymous_id, ts,
           received_at, url, page, referrer, metadata, context) values ${tuples.join(', ')}
         returning project_id, ts, event_name, context)
       insert into analytics.volume_minute as t (project_id, minute, event_name, count)
       select project_id, to_timestamp(floor(extract(epoch from ts) / 60) * 60), event_name, count(*)
         from inserted where (context ->> 'bot') is null and (context ->> 'excluded') is null
        group by 1, 2, 3
       on conflict (project_id, minute, event_name) do update set count = t.count + excluded.count`,
      values,
    );
  }
  return ids;
}
