/**
 * Fetches the Java components from Maven Central with `mvn` into the cache folder: the first run
 * downloads, later runs reuse. Each artifact is fetched into a temporary folder and renamed into
 * place, so an interrupted download never leaves a half-filled cache behind.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { StackError } from './errors';

const run = promisify(execFile);

async function mvn(args: string[], cwd: string, what: string): Promise<void> {
  try {
    await run('mvn', ['-B', '-q', ...args], { cwd, timeout: 15 * 60_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const out = (error as { stdout?: string }).stdout ?? '';
    const lastError = out
      .split('\n')
      .filter((l) => l.includes('ERROR'))
      .slice(0, 2)
      .join(' ')
      .slice(0, 300);
    throw new StackError(
      'DOWNLOAD_FAILED',
      `downloading ${what} with Maven failed (${lastError || (error as Error).message.split('\n')[0]}): check that Maven Central is reachable, or that ~/.m2/settings.xml points to a mirror`,
    );
  }
}

async function findFile(dir: string, name: string): Promise<string | undefined> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isFile() && entry.name === name) return full;
    if (entry.isDirectory()) {
      const found = await findFile(full, name);
      if (found) return found;
    }
  }
  return undefined;
}

export async function ensureKafka(
  cacheDir: string,
  version: string,
  pomFile: string,
  needMaven: () => Promise<void>,
): Promise<string> {
  const libDir = path.join(cacheDir, `kafka-${version}`, 'lib');
  if (existsSync(path.join(libDir, `kafka_2.13-${version}.jar`))) return libDir;
  await needMaven();
  const tmp = path.join(cacheDir, `.kafka-${version}.tmp`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await mvn(
    [
      '-f',
      pomFile,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-Dkafka.version=${version}`,
      `-DoutputDirectory=${path.join(tmp, 'lib')}`,
    ],
    tmp,
    `Kafka ${version}`,
  );
  await rm(path.dirname(libDir), { recursive: true, force: true });
  await rename(tmp, path.dirname(libDir));
  return libDir;
}

export async function ensureRegistry(
  cacheDir: string,
  version: string,
  needMaven: () => Promise<void>,
): Promise<string> {
  const home = path.join(cacheDir, `apicurio-registry-${version}`);
  if (existsSync(home)) {
    const jar = await findFile(home, 'quarkus-run.jar');
    if (jar) return jar;
  }
  await needMaven();
  const tmp = path.join(cacheDir, `.apicurio-registry-${version}.tmp`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await mvn(
    [
      'dependency:copy',
      `-Dartifact=io.apicurio:apicurio-registry-app:${version}:tar.gz:all`,
      `-DoutputDirectory=${tmp}`,
    ],
    tmp,
    `Apicurio Registry ${version}`,
  );
  const archive = path.join(tmp, `apicurio-registry-app-${version}-all.tar.gz`);
  try {
    await run('tar', ['-xzf', archive, '-C', tmp], { timeout: 5 * 60_000 });
  } catch (error) {
    throw new StackError(
      'DOWNLOAD_FAILED',
      `unpacking ${archive} failed: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  await rm(archive, { force: true });
  // The jar's folder has moved between Apicurio versions: search for it.
  if (!(await findFile(tmp, 'quarkus-run.jar'))) {
    throw new StackError('DOWNLOAD_FAILED', `Apicurio Registry ${version} archive has no quarkus-run.jar`);
  }
  await rm(home, { recursive: true, force: true });
  await rename(tmp, home);
  return (await findFile(home, 'quarkus-run.jar'))!;
}
