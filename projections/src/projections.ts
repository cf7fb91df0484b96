/**
 * The projections this package builds, by name: the one place a new projection is registered.
 * The composition root (service.ts) and the rebuild (rebuild/rebuild.ts) both make projections
 * here, so neither imports the other. `ops` is not here: it is a reactor (ops/reactor.ts), not a
 * projection, and is never rebuilt.
 */
import type { Codec } from '@eventlens/contracts';
import { createAdminProjection } from './admin';
import { createAnalyticsProjection } from './analytics';
import type { Projection } from './runtime/projection';
import type { ProjectionName } from './topology';

/** The projection `name`, writing the PostgreSQL schema `deps.schema`. */
export function createProjection(
  name: ProjectionName,
  deps: { codec: Codec; schema: string },
): Projection<unknown> {
  switch (name) {
    case 'analytics':
      return createAnalyticsProjection(deps) as Projection<unknown>;
    case 'admin':
      return createAdminProjection(deps) as Projection<unknown>;
    default:
      throw new Error(`unknown projection ${name satisfies never}`);
  }
}
