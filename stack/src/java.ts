/**
 * Finds the Java runtimes the stack needs. Kafka 3.9 runs on Java 17+; Apicurio Registry 3.3 is
 * compiled for Java 21, so it may need a different JDK than the default `java`.
 */
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { StackError } from './errors';

const run = promisify(execFile);

export interface JavaRuntime {
  bin: string;
  major: number;
}

/** Parses the major version out of `java -version` output ("17.0.15", "1.8.0_392", "25"). */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] ? Number(match[2]) : first;
}

async function probe(bin: string): Promise<JavaRuntime | undefined> {
  try {
    const { stderr, stdout } = await run(bin, ['-version'], { timeout: 15_000 });
    const major = parseJavaMajor(stderr + stdout);
    return major === undefined ? undefined : { bin, major };
  } catch {
    return undefined;
  }
}

/** Candidate java binaries, in order of preference: explicit homes, PATH, then installed JDKs. */
async function candidates(homes: Array<string | undefined>): Promise<string[]> {
  const bins = homes.filter((h): h is string => Boolean(h)).map((h) => path.join(h, 'bin', 'java'));
  bins.push('java');
  for (const root of ['/usr/lib/jvm', '/opt/java', '/usr/local/lib/jvm']) {
    try {
      const entries = await readdir(root);
      for (const entry of entries.sort().reverse()) bins.push(path.join(root, entry, 'bin', 'java'));
    } catch {
      // folder absent: nothing to add
    }
  }
  return [...new Set(bins)];
}

export async function findJava(options: {
  minMajor: number;
  preferHomes: Array<string | undefined>;
  purpose: string;
  envHint: string;
}): Promise<JavaRuntime> {
  const found: JavaRuntime[] = [];
  for (const bin of await candidates(options.preferHomes)) {
    const runtime = await probe(bin);
    if (!runtime) continue;
    if (runtime.major >= options.minMajor) return runtime;
    found.push(runtime);
  }
  if (found.length === 0) {
    throw new StackError(
      'JAVA_MISSING',
      `Java ${options.minMajor}+ is required for ${options.purpose} but no java was found: install a JDK (e.g. "apt-get install openjdk-17-jdk-headless", or Temurin ${Math.max(options.minMajor, 21)}) or set JAVA_HOME`,
    );
  }
  const best = found.reduce((a, b) => (b.major > a.major ? b : a));
  throw new StackError(
    'JAVA_TOO_OLD',
    `${options.purpose} needs Java ${options.minMajor}+, but the newest found is Java ${best.major} (${best.bin}): install a JDK ${options.minMajor}+ (e.g. Temurin) and set ${options.envHint} to its home`,
  );
}

/**
 * The two runtimes a stack needs: Kafka's (Java 17+, `JAVA_HOME` first) and the registry's (Java 21+,
 * `EVENTLENS_REGISTRY_JAVA_HOME` first). Called by every start and by `fetch`, so that a machine
 * without a Java 21 is told so before the tests, not when the first stack starts.
 * Errors: StackError JAVA_MISSING / JAVA_TOO_OLD, naming the variable that points at a JDK.
 */
export function findStackJava(config: {
  javaHome: string | undefined;
  registryJavaHome: string | undefined;
  registryVersion: string;
}): Promise<[kafka: JavaRuntime, registry: JavaRuntime]> {
  return Promise.all([
    findJava({ minMajor: 17, preferHomes: [config.javaHome], purpose: 'Kafka', envHint: 'JAVA_HOME' }),
    findJava({
      minMajor: 21,
      preferHomes: [config.registryJavaHome, config.javaHome],
      purpose: `Apicurio Registry ${config.registryVersion}`,
      envHint: 'EVENTLENS_REGISTRY_JAVA_HOME',
    }),
  ]);
}

export async function checkMaven(): Promise<void> {
  try {
    await run('mvn', ['-v'], { timeout: 30_000 });
  } catch {
    throw new StackError(
      'MAVEN_MISSING',
      'Maven is required to fetch Kafka and Apicurio Registry from Maven Central, and "mvn" was not found: install it ("apt-get install maven" or https://maven.apache.org/install.html)',
    );
  }
}
