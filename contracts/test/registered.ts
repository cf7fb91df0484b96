/**
 * `codec.register()` tried again while the registry answers slowly or not at all (a transient
 * CodecError, REGISTRY_UNAVAILABLE), for up to `budgetMs`, with the project's one retry helper; a
 * refusal (INCOMPATIBLE_SCHEMA, …) is thrown at once. What `registerForTests` of @eventlens/stack does
 * for every other package's tests: contracts cannot depend on stack (it depends on contracts). These
 * tests assert what the registry answers, not how fast: on a CI machine building the container images
 * beside every package's tests, one registration once took more than the tests' 25 s request bound.
 */
import { retry } from '@eventlens/service-kit/retry';
import { CodecError, type Codec } from '../src/index';

export async function registered(
  codec: Pick<Codec, 'register'>,
  budgetMs = 75_000,
): Promise<Record<string, number>> {
  const signal = AbortSignal.timeout(budgetMs);
  let last: Error | undefined;
  return retry(() => codec.register(), {
    signal,
    shouldRetry: (error) => error instanceof CodecError && error.transient,
    onRetry: (error) => (last = error),
  }).catch((error: unknown) => {
    // Out of time: the registry's last answer says more than the abort.
    throw signal.aborted && last ? last : error;
  });
}
