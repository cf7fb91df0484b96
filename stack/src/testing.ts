/**
 * For integration tests: the running stack's coordinates. `npm test` starts the stack first
 * (turbo's `//#stack:up`), so a missing stack here means the test was run on its own.
 */
import { loadConfig } from './config';
import { readDevFile, type DevFile } from './devfile';

export async function stackForTests(): Promise<DevFile> {
  const config = loadConfig();
  const dev = await readDevFile(config.devFile);
  if (!dev) {
    throw new Error(
      `no running EventLens stack (${config.devFile} is missing): run "npm run stack:up" first`,
    );
  }
  return dev;
}
