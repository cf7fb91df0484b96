import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONVENTIONS, renderErrorCodes, withTable } from '../scripts/error-codes';

describe('the error codes in docs/CONVENTIONS.md', () => {
  it('are the codes the services answer with (regenerate: node --import tsx docs/scripts/error-codes.ts --write)', () => {
    const document = readFileSync(CONVENTIONS, 'utf8');
    expect(withTable(document, renderErrorCodes())).toBe(document);
  });

  it('name every service that answers with a code, once per code', () => {
    const table = renderErrorCodes({ a: ['X', 'Y'], b: ['Y'] });
    expect(table).toContain('| `X` | a |');
    expect(table).toContain('| `Y` | a, b |');
    expect(table.match(/`Y`/g)).toHaveLength(1);
  });

  it('include the codes every service shares and the ones only one has', () => {
    const table = renderErrorCodes();
    for (const code of [
      'INVALID_FIELD',
      'INVALID_BODY_ENCODING',
      'LOG_UNAVAILABLE',
      'UPSTREAM_UNAVAILABLE',
      'NOT_READY',
    ]) {
      expect(table).toContain(`\`${code}\``);
    }
  });
});
