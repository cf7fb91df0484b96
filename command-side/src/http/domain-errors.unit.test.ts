/** Each domain error's HTTP answer: the status and body the admin API has always answered with. */
import { describe, expect, it } from 'vitest';
import type { DomainError } from '../admin/decide';
import { httpErrorOf } from './domain-errors';

const P = '11111111-1111-4111-8111-111111111111';
const K = '33333333-3333-4333-8333-333333333333';
const S = '55555555-5555-4555-8555-555555555555';

describe('domain errors over HTTP', () => {
  const cases: Array<[DomainError, number, string, string]> = [
    [{ code: 'PROJECT_NOT_FOUND', project_id: P }, 404, 'NOT_FOUND', `project ${P} does not exist`],
    [
      { code: 'KEY_NOT_FOUND', project_id: P, key_id: K },
      404,
      'NOT_FOUND',
      `key ${K} does not exist in project ${P}`,
    ],
    [
      { code: 'EMAIL_TAKEN', email: 'ada@example.com' },
      409,
      'CONFLICT',
      'email ada@example.com is already registered',
    ],
    [{ code: 'SESSION_NOT_FOUND', session_id: S }, 404, 'NOT_FOUND', `no session ${S} of this user`],
  ];

  it.each(cases)('%o → %i %s', (error, status, code, message) => {
    const answer = httpErrorOf(error);
    expect({
      status: answer.status,
      code: answer.code,
      message: answer.message,
      options: answer.options,
    }).toEqual({ status, code, message, options: {} });
  });
});
