/**
 * `countryNameSql` run by the stack's PostgreSQL: a code becomes its English name, and a code
 * CLDR does not name, a lowercase code and no code become null. `COUNTRY_NAMES` holds the ISO
 * codes a visit's country comes as, and only two-letter uppercase keys.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackForTests } from '@eventlens/stack';
import { COUNTRY_NAMES, countryNameSql } from './countries';

const CASES: Array<[string | null, string | null]> = [
  ['DE', 'Germany'],
  ['US', 'United States'],
  ['IN', 'India'],
  ['GB', 'United Kingdom'],
  ['CI', 'Côte d’Ivoire'],
  ['AA', null],
  ['de', null],
  ['DEU', null],
  [null, null],
];

let pool: pg.Pool;

beforeAll(async () => {
  const dev = await stackForTests();
  pool = new pg.Pool({ connectionString: dev.databaseUrl, max: 1 });
});

afterAll(async () => {
  await pool?.end();
});

describe('countryNameSql', () => {
  it('names each code as COUNTRY_NAMES does, null where it has no name', async () => {
    const { rows } = await pool.query<{ i: number; name: string | null }>(
      `select s.i, ${countryNameSql('s.country')} as name
         from jsonb_to_recordset($1::jsonb) as s(i int, country text)
        order by s.i`,
      [JSON.stringify(CASES.map(([country], i) => ({ i, country })))],
    );
    expect(rows.map((r) => [CASES[r.i]![0], r.name])).toEqual(CASES);
  });

  it('names every code of the table in SQL as the table does', async () => {
    const codes = Object.keys(COUNTRY_NAMES);
    const { rows } = await pool.query<{ code: string; name: string }>(
      `select code, ${countryNameSql('code')} as name from unnest($1::text[]) as code order by code`,
      [codes],
    );
    expect(Object.fromEntries(rows.map((r) => [r.code, r.name]))).toEqual(COUNTRY_NAMES);
  });
});

describe('COUNTRY_NAMES', () => {
  it('has the ISO 3166-1 countries by two-letter uppercase code', () => {
    expect(Object.keys(COUNTRY_NAMES).every((code) => /^[A-Z]{2}$/.test(code))).toBe(true);
    expect(Object.keys(COUNTRY_NAMES).length).toBeGreaterThanOrEqual(249);
    expect(COUNTRY_NAMES).toMatchObject({ FR: 'France', JP: 'Japan', BR: 'Brazil', ZA: 'South Africa' });
  });
});
