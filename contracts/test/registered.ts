/**
 * `codec.register()` tried again while the registry answers slowly or not at all (a transient
 * CodecError, REGISTRY_UNAVAILABLE), for up to `budgetMs`; a refusal (INCOMPATIBLE_SCHEMA, …) is
 * thrown at once. What `registerForTests` of @eventlens/stack does for every other package's tests:
 * contracts cannot depend on it (it depends on contracts). These tests assert what the registry
 * answers, not how fast: on a CI machine building the container images beside every package's tests,
 * one registration once took more than the tests' 25 s request bound.
 */
import { CodecError, type Codec } from '../src/index';

export async function registered(
  codec: Pick<Codec, 'register'>,
  budgetMs = 75_000,
): Promise<Record<string, number>> {
  const deadline = Date.now() + budgetMs;
  for (;;) {
    try {
      return await codec.register();
    } catch (error) {
      if (!(error instanceof CodecError && error.transient) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
