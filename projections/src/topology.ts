/**
 * Which topics, consumer groups and PostgreSQL schemas each projection uses, derived from the
 * config in one place. With the default config the names are exactly the ones `contracts` spells
 * out (and the launcher creates); tests pass prefixes that make them unique.
 */
import { PROJECTIONS, dlqTopic, retryTopic, type ProjectionName } from '@eventlens/contracts';
import type { Config } from './config';
import { SCHEMAS } from '@eventlens/read-model';

export type { ProjectionName };
export const PROJECTION_NAMES: readonly ProjectionName[] = PROJECTIONS;

export interface ProjectionTopology {
  name: ProjectionName;
  /** PostgreSQL schema holding the read models and the checkpoints. */
  schema: string;
  source: string;
  /** retry.1, retry.2, … in order. */
  retry: string[];
  dlq: string;
  group: string;
  retryGroup: string;
}

export interface Topology {
  projections: Record<ProjectionName, ProjectionTopology>;
  ops: { schema: string; group: string };
}

export function topology(
  config: Pick<Config, 'topics' | 'groupPrefix' | 'schemaPrefix' | 'retryDelaysMs'>,
): Topology {
  const { failurePrefix } = config.topics;
  const retryName = (projection: ProjectionName, attempt: number) =>
    failurePrefix === 'eventlens'
      ? retryTopic(projection, attempt)
      : `${failurePrefix}.${projection}.retry.${attempt}`;
  const dlqName = (projection: ProjectionName) =>
    failurePrefix === 'eventlens' ? dlqTopic(projection) : `${failurePrefix}.${projection}.dlq`;
  const sources: Record<ProjectionName, string> = {
    analytics: config.topics.events,
    admin: config.topics.admin,
  };

  const projections = {} as Record<ProjectionName, ProjectionTopology>;
  for (const name of PROJECTION_NAMES) {
    projections[name] = {
      name,
      schema: `${config.schemaPrefix}${SCHEMAS[name]}`,
      source: sources[name],
      retry: config.retryDelaysMs.map((_, index) => retryName(name, index + 1)),
      dlq: dlqName(name),
      group: `${config.groupPrefix}.${name}`,
      retryGroup: `${config.groupPrefix}.${name}.retry`,
    };
  }
  return {
    projections,
    ops: { schema: `${config.schemaPrefix}${SCHEMAS.ops}`, group: `${config.groupPrefix}.ops` },
  };
}

/** Every topic the projections read or write, for tests and tools that create them. */
export function allTopics(t: Topology): string[] {
  return PROJECTION_NAMES.flatMap((name) => {
    const p = t.projections[name];
    return [p.source, ...p.retry, p.dlq];
  });
}
