/**
 * The projections' command line:
 *   run                      every projection (analytics, admin) and ops
 *   run <projection>         one of analytics, admin, ops
 *   dlq:replay <projection>  re-inject the projection's DLQ records (via its first retry topic)
 *   rebuild <projection>     replay the log into <schema>_rebuild and swap it in [--keep-old]
 * From the repository root: npm run -w projections projections -- <command>.
 * This file only parses the arguments; every command is built by the composition root (service.ts).
 */
import { loadConfig } from './config';
import { main } from './main';
import { rebuildCommand, replayDlqCommand } from './commands';
import { RUN_TARGETS, type RunTarget } from './service';
import { PROJECTION_NAMES, type ProjectionName } from './topology';

const USAGE = `usage: projections <command>
  run [analytics|admin|ops]       run the workers (all when no projection is named)
  dlq:replay <analytics|admin>    re-inject DLQ records
  rebuild <analytics|admin> [--keep-old]   rebuild a projection's schema from offset 0 and swap it in`;

class UsageError extends Error {}

function projectionArg(value: string | undefined): ProjectionName {
  if (!value || !(PROJECTION_NAMES as readonly string[]).includes(value)) {
    throw new UsageError(`expected a projection (${PROJECTION_NAMES.join(', ')}), got ${value ?? 'nothing'}`);
  }
  return value as ProjectionName;
}

export async function cli(argv: readonly string[]): Promise<void> {
  const [command, arg, ...flags] = argv;
  switch (command) {
    case '--help':
    case '-h':
    case 'help':
      console.log(USAGE);
      return;
    case 'run': {
      if (arg !== undefined && !(RUN_TARGETS as readonly string[]).includes(arg)) {
        throw new UsageError(`expected one of ${RUN_TARGETS.join(', ')}, got ${arg}`);
      }
      await main(arg === undefined ? undefined : [arg as RunTarget]);
      return;
    }
    case 'dlq:replay': {
      const projection = projectionArg(arg);
      const result = await replayDlqCommand(loadConfig(), projection);
      console.log(`replayed ${result.replayed} DLQ record(s) of ${projection}`);
      return;
    }
    case 'rebuild': {
      const projection = projectionArg(arg);
      const result = await rebuildCommand(loadConfig(), projection, {
        keepOld: flags.includes('--keep-old'),
      });
      console.log(
        `rebuilt ${result.schema} in ${Math.round(result.durationMs / 1000)} s`,
        result.checkpoints,
      );
      return;
    }
    default:
      throw new UsageError(command ? `unknown command ${command}` : 'no command given');
  }
}

// Run as a program (`tsx src/cli.ts` or the `dist/cli.js` bundle), not when imported. The file name,
// not import.meta.url: the CLI bundle holds main.ts too, and in a bundle every module has its URL.
if (process.argv[1] && /[/\\]projections[/\\](src|dist)[/\\]cli\.[jt]s$/.test(process.argv[1])) {
  cli(process.argv.slice(2)).catch((error: unknown) => {
    if (error instanceof UsageError) console.error(`${error.message}\n${USAGE}`);
    else console.error(error instanceof Error ? error.message : error);
    process.exit(error instanceof UsageError ? 2 : 1);
  });
}
