import { describe, expect, it } from 'vitest';
import { describeDevFile, type DevFile } from './devfile';

const dev: DevFile = {
  ingestUrl: 'http://127.0.0.1:18100',
  kafkaBrokers: '127.0.0.1:19092',
  registryUrl: 'http://127.0.0.1:18081/apis/ccompat/v7',
  databaseUrl: 'postgres://eventlens:owner-pass-123@127.0.0.1:5432/eventlens',
  readerDatabaseUrl: 'postgres://eventlens_reader:reader-pass-456@127.0.0.1:5432/eventlens',
  apiKey: 'el_public_write_key_0001',
  readKey: 'elr_secret_read_key_0002',
  adminEmail: 'admin@eventlens.local',
  adminPassword: 'admin-pass-789',
  adminToken: 'admin-token-abc',
};

describe('stack status', () => {
  it('given the default, when the dev file is described, then no secret is printed', () => {
    const text = describeDevFile(dev, { showSecrets: false }).join('\n');
    for (const secret of [
      'owner-pass-123',
      'reader-pass-456',
      'elr_secret_read_key_0002',
      'admin-pass-789',
      'admin-token-abc',
    ]) {
      expect(text).not.toContain(secret);
    }
    // What an operator needs stays visible: the write key is public, URLs keep host and database.
    expect(text).toContain('el_public_write_key_0001');
    expect(text).toContain('admin@eventlens.local');
    expect(text).toContain('127.0.0.1:5432/eventlens');
    expect(text).toContain('--show-secrets');
  });

  it('given --show-secrets, when the dev file is described, then every value is printed', () => {
    const text = describeDevFile(dev, { showSecrets: true }).join('\n');
    for (const value of Object.values(dev)) expect(text).toContain(value);
  });
});
