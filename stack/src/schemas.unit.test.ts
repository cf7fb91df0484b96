import { CodecError } from '@eventlens/contracts';
import { describe, expect, it } from 'vitest';
import { registerForTests } from './schemas';

/** A codec whose register() fails with each of `failures` in turn, then gives `{ EventTracked: 7 }`. */
function codecFailing(...failures: Error[]) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    async register() {
      const failure = failures[calls++];
      if (failure) throw failure;
      return { EventTracked: 7 };
    },
  };
}

describe('registerForTests', () => {
  it('tries again while the failure is transient, then gives the ids', async () => {
    const slow = new CodecError('REGISTRY_UNAVAILABLE', 'Timeout (10000ms)', true);
    const codec = codecFailing(slow, slow);
    expect(await registerForTests(codec)).toEqual({ EventTracked: 7 });
    expect(codec.calls).toBe(3);
  });

  it('fails at once, with the codec’s own error, when the registry refuses a schema', async () => {
    const refused = new CodecError('INCOMPATIBLE_SCHEMA', 'incompatible with the latest version');
    const codec = codecFailing(refused);
    await expect(registerForTests(codec)).rejects.toBe(refused);
    expect(codec.calls).toBe(1);
  });
});
