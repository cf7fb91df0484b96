import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, parseEnv, readPemFile } from './config';

const Env = z.object({
  EVENTLENS_PORT: z.coerce.number().int().min(1).max(65535),
  EVENTLENS_NAME: z.string().min(2, 'must be at least 2 characters').default('el'),
});

describe('parseEnv', () => {
  it('returns the parsed values with defaults', () => {
    expect(parseEnv(Env, { EVENTLENS_PORT: '80' })).toEqual({ EVENTLENS_PORT: 80, EVENTLENS_NAME: 'el' });
  });

  it('fails with one ConfigError line naming the variable', () => {
    expect(() => parseEnv(Env, {})).toThrow(new ConfigError('EVENTLENS_PORT', 'is required'));
    expect(() => parseEnv(Env, {})).toThrow(/^EVENTLENS_PORT: is required$/);
    expect(() => parseEnv(Env, { EVENTLENS_PORT: '80', EVENTLENS_NAME: 'x' })).toThrow(
      /^EVENTLENS_NAME: must be at least 2 characters$/,
    );
    expect(() => parseEnv(Env, { EVENTLENS_PORT: 'eighty' })).toThrow(/^EVENTLENS_PORT: \S/);
  });

  it('takes an empty variable as unset only when asked', () => {
    expect(
      parseEnv(Env, { EVENTLENS_PORT: '1', EVENTLENS_NAME: '' }, { emptyIsUnset: true }).EVENTLENS_NAME,
    ).toBe('el');
    expect(() => parseEnv(Env, { EVENTLENS_PORT: '1', EVENTLENS_NAME: '' })).toThrow(/^EVENTLENS_NAME: /);
  });
});

describe('readPemFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kit-pem-'));
  it('reads a PEM file and names the variable when it cannot', () => {
    writeFileSync(path.join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
    writeFileSync(path.join(dir, 'not.pem'), 'hello');
    expect(readPemFile(path.join(dir, 'ca.pem'), 'CA_FILE')).toContain('BEGIN CERTIFICATE');
    expect(() => readPemFile(path.join(dir, 'missing.pem'), 'CA_FILE')).toThrow(/^CA_FILE: cannot be read/);
    expect(() => readPemFile(path.join(dir, 'not.pem'), 'CA_FILE')).toThrow(/^CA_FILE: is not a PEM file/);
  });
});
