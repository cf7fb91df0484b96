import { describe, expect, expectTypeOf, it } from 'vitest';
import { firstTransient, ok, retry, transient, type Failure, type FailureCode } from './outcome';

describe('outcomes', () => {
  it('firstTransient finds the first record whose dependency is unavailable', () => {
    const registry = transient({ code: 'REGISTRY_UNAVAILABLE', message: 'down' });
    expect(
      firstTransient([
        ok(1),
        retry({ code: 'INVALID_EVENT', message: 'x' }),
        registry,
        transient({ code: 'ECONNRESET', message: 'y' }),
      ]),
    ).toBe(registry);
    expect(firstTransient([ok(1), retry({ code: 'HANDLER_ERROR', message: 'x' })])).toBeUndefined();
    expect(firstTransient([])).toBeUndefined();
  });

  it('failure codes are a closed set: a free string is not one', () => {
    expectTypeOf<'INVALID_EVENT'>().toExtend<FailureCode>();
    expectTypeOf<'DB_23505'>().toExtend<FailureCode>();
    expectTypeOf<'ECONNREFUSED'>().toExtend<FailureCode>();
    expectTypeOf<'SOMETHING_ELSE'>().not.toExtend<FailureCode>();
    expectTypeOf<string>().not.toExtend<Failure['code']>();
  });
});
