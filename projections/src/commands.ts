/**
 * The projections' one-shot commands (cli.ts): each builds its runtime from the parsed config with
 * the composition root's factories (service.ts), migrates the read models, runs, and closes.
 */
import type { Config } from './config';
import { replayDlq } from './ops/replay';
import { rebuild, type RebuildResult } from './rebuild/rebuild';
import { createRegistryCodec, createRuntime, migrateAll } from './service';
import { topology, type ProjectionName } from './topology';

/**
 * `dlq:replay <projection>`: re-injects the projection's DLQ records through its first retry topic.
 * With synchronous commit on: these writes are not derived from the log, so none may be lost.
 */
export async function replayDlqCommand(
  config: Config,
  projection: ProjectionName,
): Promise<{ replayed: number }> {
  const runtime = await createRuntime(config, 'dlq-replay', 'on');
  try {
    const t = topology(config);
    await migrateAll(runtime.pool, t, config.readerRole);
    return await replayDlq({
      pool: runtime.pool,
      producer: runtime.producer,
      opsSchema: t.ops.schema,
      projection,
      retryTopic: t.projections[projection].retry[0]!,
      logger: runtime.logger,
    });
  } finally {
    await runtime.close();
  }
}

/** `rebuild <projection>`: replays the source into a fresh schema and swaps it in (rebuild/rebuild.ts). */
export async function rebuildCommand(
  config: Config,
  projection: ProjectionName,
  options: { keepOld: boolean },
): Promise<RebuildResult> {
  const runtime = await createRuntime(config, 'rebuild');
  try {
    const t = topology(config);
    await migrateAll(runtime.pool, t, config.readerRole);
    return await rebuild({
      ...runtime,
      topology: t,
      projection,
      codec: createRegistryCodec(config),
      keepOld: options.keepOld,
    });
  } finally {
    await runtime.close();
  }
}
