import { describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { StackError } from './errors';
import { parseJavaMajor } from './java';
import { newClusterId, serverProperties } from './kafka';
import { redact, withDatabase } from './postgres';
import { jdbcEnv } from './registry';

describe('parseJavaMajor', () => {
  it('reads modern and legacy version strings', () => {
    expect(parseJavaMajor('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(parseJavaMajor('openjdk version "25" 2025-09-16')).toBe(25);
    expect(parseJavaMajor('java version "1.8.0_392"')).toBe(8);
    expect(parseJavaMajor('no java here')).toBeUndefined();
  });
});

describe('kafka settings', () => {
  it('binds loopback only, with the controller on its own listener and no topic auto-creation', () => {
    const props = serverProperties({ logDir: '/d', port: 1, controllerPort: 2 });
    expect(props).toContain('process.roles=broker,controller');
    expect(props).toContain('listeners=PLAINTEXT://127.0.0.1:1,CONTROLLER://127.0.0.1:2');
    expect(props).toContain('auto.create.topics.enable=false');
    expect(props).toContain('offsets.topic.replication.factor=1');
  });

  it('makes KRaft cluster ids in the 22-character base64url form', () => {
    const id = newClusterId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(newClusterId()).not.toBe(id);
  });

  it('never makes a cluster id that StorageTool would take for an option (a leading "-")', () => {
    // 0xf8 encodes to "-" as the first base64url character; the second draw does not.
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x01)];
    let calls = 0;
    const id = newClusterId(() => draws[calls++]!);
    expect(calls).toBe(2);
    expect(id).toBe(Buffer.alloc(16, 0x01).toString('base64url'));
    expect(Buffer.alloc(16, 0xf8).toString('base64url').startsWith('-')).toBe(true);
  });
});

describe('connection URLs', () => {
  it('never prints a password', () => {
    expect(redact('postgres://u:secret@h:5432/db')).toBe('postgres://u:***@h:5432/db');
    expect(redact('postgres://u@h/db')).toBe('postgres://u@h/db');
  });

  it('switches database and user', () => {
    expect(withDatabase('postgres://a@h:1/x', 'y')).toBe('postgres://a@h:1/y');
    expect(withDatabase('postgres://a@h:1/x', 'y', { name: 'r', password: 'p w' })).toBe(
      'postgres://r:p%20w@h:1/y',
    );
  });

  it('turns a postgres URL into Apicurio datasource settings', () => {
    expect(jdbcEnv('postgres://reg:pw@127.0.0.1:5433/eventlens_registry')).toMatchObject({
      APICURIO_STORAGE_KIND: 'sql',
      APICURIO_DATASOURCE_URL: 'jdbc:postgresql://127.0.0.1:5433/eventlens_registry',
      APICURIO_DATASOURCE_USERNAME: 'reg',
      APICURIO_DATASOURCE_PASSWORD: 'pw',
      // Apicurio's own defaults hold 20 connections open and allow 100.
      APICURIO_DATASOURCE_JDBC_MIN_SIZE: '2',
      APICURIO_DATASOURCE_JDBC_MAX_SIZE: '10',
    });
  });

  it('carries the TLS settings of the URL to the JDBC URL, and nothing else of its query', () => {
    expect(
      jdbcEnv(
        'postgres://reg:pw@db.example:5432/r?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&application_name=x',
      ).APICURIO_DATASOURCE_URL,
    ).toBe('jdbc:postgresql://db.example:5432/r?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem');
  });
});

describe('loadConfig', () => {
  it('has non-standard default ports and takes overrides from the environment', () => {
    const config = loadConfig({});
    expect(config.ports.kafka).toBe(19092);
    expect(config.ports.registry).toBe(18081);
    expect(loadConfig({ EVENTLENS_KAFKA_PORT: '29092' }).ports.kafka).toBe(29092);
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ EVENTLENS_KAFKA_PORT: 'ninety' })).toThrow(StackError);
    expect(() => loadConfig({ EVENTLENS_KAFKA_PORT: 'ninety' })).toThrow(/EVENTLENS_KAFKA_PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
  });
});

describe('loadSecrets', () => {
  it('makes every secret once, keeps them, and fills in fields an older file lacks', async () => {
    const { mkdtemp, readFile, rm, writeFile } = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const { loadSecrets } = await import('./secrets');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'eventlens-secrets-'));
    try {
      const first = await loadSecrets(dir);
      expect(first.adminToken).toMatch(/^ela_/);
      expect(await loadSecrets(dir)).toEqual(first);
      await writeFile(path.join(dir, 'secrets.json'), JSON.stringify({ readerPassword: 'kept' }));
      const upgraded = await loadSecrets(dir);
      expect(upgraded.readerPassword).toBe('kept');
      expect(upgraded.sessionSecret.length).toBeGreaterThan(30);
      expect(JSON.parse(await readFile(path.join(dir, 'secrets.json'), 'utf8'))).toEqual(upgraded);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
