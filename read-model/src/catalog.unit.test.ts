/**
 * The catalog: schema names under a prefix, the query side's `schema.table` names, and the prefixes
 * refused (they would need quoting in SQL text).
 */
import { describe, expect, test } from 'vitest';
import { readerTables, READ_MODEL_KINDS, schemaNames, SCHEMAS, TABLES } from './catalog';

describe('schema names', () => {
  test('are the kinds, after the prefix', () => {
    expect(schemaNames()).toEqual({ analytics: 'analytics', admin: 'admin', ops: 'ops' });
    expect(schemaNames('t_1a_')).toEqual({
      analytics: 't_1a_analytics',
      admin: 't_1a_admin',
      ops: 't_1a_ops',
    });
    expect(Object.keys(SCHEMAS).sort()).toEqual([...READ_MODEL_KINDS].sort());
  });

  test.each(['A', '1x', 'a-b', 'a.b', 'a"b', ' ', 'x y'])('refuse the prefix %j', (prefix) => {
    expect(() => schemaNames(prefix)).toThrow(RangeError);
    expect(() => readerTables(prefix)).toThrow(RangeError);
  });
});

describe('the tables the query side reads', () => {
  test('are schema.table under the prefix, each a table of its kind', () => {
    const plain = readerTables();
    expect(plain.events).toBe('analytics.events');
    expect(plain.consoleSessions).toBe('admin.console_sessions');
    expect(plain.projectionFreshness).toBe('ops.projection_freshness');
    const prefixed = readerTables('p_');
    for (const [key, name] of Object.entries(plain)) {
      const [schema, table] = name.split('.') as [keyof typeof TABLES, string];
      expect(Object.values(TABLES[schema])).toContain(table);
      expect(prefixed[key as keyof typeof prefixed]).toBe(`p_${name}`);
    }
  });

  test('are the 19 it read before the catalog, by the same keys, admin.project_settings and analytics.excluded_events_day', () => {
    expect(readerTables()).toEqual({
      events: 'analytics.events',
      volumeMinute: 'analytics.volume_minute',
      sessions: 'analytics.sessions',
      pageViewsHour: 'analytics.page_views_hour',
      dailyUsers: 'analytics.daily_users',
      eventNames: 'analytics.event_names',
      botEventsDay: 'analytics.bot_events_day',
      excludedEventsDay: 'analytics.excluded_events_day',
      projects: 'admin.projects',
      apiKeys: 'admin.api_keys',
      users: 'admin.users',
      consoleSessions: 'admin.console_sessions',
      projectSettings: 'admin.project_settings',
      publicLinks: 'admin.public_links',
      dlqRecords: 'ops.dlq_records',
      projectionStatus: 'ops.projection_status',
      failureCounts: 'ops.failure_counts',
      projectionThroughput: 'ops.projection_throughput',
      projectionFreshness: 'ops.projection_freshness',
      schemaVersionsSeen: 'ops.schema_versions_seen',
      contractSubjects: 'ops.contract_subjects',
      contractVersions: 'ops.contract_versions',
    });
  });
});
