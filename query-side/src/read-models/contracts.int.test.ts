/**
 * Given the projections' contracts catalog and records counted per projection and writer schema id
 * in ops, when GET /v1/contracts is read, then each subject lists its level and versions with the
 * records each projection took of them, ids the catalog does not list come apart, and the route is
 * install-wide (any read key or console session; none is a 401). Real PostgreSQL, read-only role.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test-support/database';
import { seedTenants, type Tenants } from '../test-support/fixtures';
import { startServer, type TestServer } from '../test-support/server';
import { sessionCookie } from '../test-support/session';
import { Contracts } from './contracts';

let tdb: TestDatabase;
let server: TestServer;
let t: Tenants;
const REFRESHED = [new Date(Date.UTC(2026, 0, 5, 9)), new Date(Date.UTC(2026, 0, 5, 9, 0, 1))];

beforeAll(async () => {
  tdb = await createTestDatabase();
  t = await seedTenants(tdb.owner);
  server = await startServer(tdb.readerUrl);
});

afterAll(async () => {
  expect(server?.errors ?? []).toEqual([]);
  await server?.close();
  await tdb?.drop();
});

async function read(init: { key?: string; cookie?: string }) {
  const response = await server.get('/v1/contracts', init);
  expect(response.status).toBe(200);
  return Contracts.parse(await response.json());
}

describe('contracts', () => {
  test('before the projections stored anything: no subjects, no counts', async () => {
    expect(await read({ key: t.readKeyA })).toEqual({ refreshed_at: null, subjects: [], unlisted: [] });
  });

  test('subjects with their level and versions, and the records each projection took of each', async () => {
    // Given the catalog (EventTracked v1 and v2, ApiKeyIssued v1, a subject not registered yet)
    for (const [record, level, at] of [
      ['EventTracked', 'FULL_TRANSITIVE', REFRESHED[1]],
      ['ApiKeyIssued', 'FULL_TRANSITIVE', REFRESHED[0]],
      ['UserRegistered', null, REFRESHED[0]],
    ] as const) {
      await tdb.owner.query(
        `insert into ops.contract_subjects (record, subject, compatibility, refreshed_at) values ($1, $2, $3, $4)`,
        [record, `dev.eventlens.${record}`, level, at],
      );
    }
    for (const [record, version, id] of [
      ['EventTracked', 2, 31],
      ['EventTracked', 1, 11],
      ['ApiKeyIssued', 1, 12],
    ] as const) {
      await tdb.owner.query(
        `insert into ops.contract_versions (subject, version, schema_id) values ($1, $2, $3)`,
        [`dev.eventlens.${record}`, version, id],
      );
    }
    // and records of v1 and v2 taken by analytics (and a rebuild), ApiKeyIssued by admin, and an
    // id the catalog does not list
    for (const [projection, id, records] of [
      ['analytics', 11, '1200'],
      ['analytics', 31, '5000000000'], // beyond 32 bits
      ['analytics:rebuild', 11, '40'],
      ['admin', 12, '3'],
      ['analytics', 99, '2'],
    ] as const) {
      await tdb.owner.query(
        `insert into ops.schema_versions_seen (projection, schema_id, records) values ($1, $2, $3)`,
        [projection, id, records],
      );
    }
    // When the contracts are read with a read key
    const body = await read({ key: t.readKeyA });
    // Then
    expect(body).toEqual({
      refreshed_at: REFRESHED[1]!.toISOString(),
      subjects: [
        {
          record: 'ApiKeyIssued',
          subject: 'dev.eventlens.ApiKeyIssued',
          compatibility: 'FULL_TRANSITIVE',
          versions: [{ version: 1, schema_id: 12, seen: [{ projection: 'admin', records: 3 }] }],
        },
        {
          record: 'EventTracked',
          subject: 'dev.eventlens.EventTracked',
          compatibility: 'FULL_TRANSITIVE',
          versions: [
            {
              version: 1,
              schema_id: 11,
              seen: [
                { projection: 'analytics', records: 1200 },
                { projection: 'analytics:rebuild', records: 40 },
              ],
            },
            { version: 2, schema_id: 31, seen: [{ projection: 'analytics', records: 5_000_000_000 }] },
          ],
        },
        {
          record: 'UserRegistered',
          subject: 'dev.eventlens.UserRegistered',
          compatibility: null,
          versions: [],
        },
      ],
      unlisted: [{ schema_id: 99, seen: [{ projection: 'analytics', records: 2 }] }],
    });
  });

  test('is install-wide: a console session needs no project; no credentials is a 401', async () => {
    expect((await read({ cookie: sessionCookie() })).subjects).toHaveLength(3);
    expect((await server.get('/v1/contracts')).status).toBe(401);
  });

  test('is in the OpenAPI document, with its response schema', async () => {
    const doc = (await (await server.get('/v1/openapi.json')).json()) as {
      paths: Record<string, { get?: { responses: Record<string, unknown> } }>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths['/v1/contracts']!.get!.responses)).toContain('200');
    expect(doc.components.schemas).toHaveProperty('Contracts');
  });
});
