/**
 * Schema registration for tests' setup: `registerForTests(codec)` is `codec.register()` tried again
 * while the codec calls the failure transient, as the services retry it at start-up. A registration
 * outlasted the codec's 10 s bound while CI started four packages' tests against one registry (a CI
 * failure). Test-only (it polls with `eventually`, which needs vitest): import it from
 * `@eventlens/stack/schemas`, never from service code.
 */
import { CodecError, type Codec } from '@eventlens/contracts';
import { eventually } from './eventually';

/**
 * Registers the codec's schemas, trying again every 0.5 s for up to 45 s (within the shortest hook
 * timeout of the packages that use it, command-side's 60 s) while the failure is transient.
 *
 * @returns the schema id of each record type, as `codec.register()` does.
 * @throws the codec's error at once when the registry refuses a schema (not transient), or
 *         eventually's timeout error naming the last transient failure.
 */
export async function registerForTests(codec: Pick<Codec, 'register'>): Promise<Record<string, number>> {
  const outcome = await eventually(
    'the schemas registered',
    async () => {
      try {
        return { ids: await codec.register() };
      } catch (error) {
        if (error instanceof CodecError && error.transient) throw error; // not yet: tried again
        return { refused: error }; // polling stops here: a refusal does not pass
      }
    },
    { timeoutMs: 45_000, intervalMs: 500 },
  );
  if ('refused' in outcome) throw outcome.refused;
  return outcome.ids;
}
