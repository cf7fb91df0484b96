import net from 'node:net';
import { PORT_ENV, type StackConfig } from './config';
import { StackError } from './errors';

const LABEL: Record<keyof StackConfig['ports'], string> = {
  kafka: 'Kafka',
  kafkaController: 'the Kafka controller',
  registry: 'the schema registry',
  registryManagement: "the schema registry's management interface",
  postgres: 'the private PostgreSQL',
  ingest: 'the ingestion API',
  query: 'the query API',
  console: 'the console',
  projections: "the projections' health and metrics",
  prometheus: 'Prometheus (EVENTLENS_MONITORING=1)',
};

function isFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Fails before anything starts, so a taken port never leaves half a stack running. Every taken port
 * is named in the one line: a second stack on the machine finds all of them taken at once, and
 * learning them one failed start at a time took seven starts.
 */
export async function assertPortsFree(
  config: StackConfig,
  which: Array<keyof StackConfig['ports']>,
): Promise<void> {
  const taken: Array<keyof StackConfig['ports']> = [];
  for (const name of which) if (!(await isFree(config.ports[name]))) taken.push(name);
  if (taken.length === 1) {
    const port = config.ports[taken[0]!];
    throw new StackError(
      'PORT_IN_USE',
      `port ${port} for ${LABEL[taken[0]!]} is already in use: stop what holds it (ss -ltnp 'sport = :${port}') or set ${PORT_ENV[taken[0]!]} to a free port`,
    );
  }
  if (taken.length > 1) {
    throw new StackError(
      'PORT_IN_USE',
      `ports ${taken.map((n) => `${config.ports[n]} (${LABEL[n]})`).join(', ')} are already in use: stop what holds them or set ${taken.map((n) => PORT_ENV[n]).join(', ')} to free ports; a second EventLens stack on this machine needs every port moved (README.md, "Configuration")`,
    );
  }
}

/**
 * Ports for private components (tests, the bench) come from below Linux's ephemeral range (32768
 * and up, /proc/sys/net/ipv4/ip_local_port_range). A port the OS hands out as free in that range
 * (listening on port 0) can be taken by any outgoing connection of a test running beside it before
 * the component binds it — a JVM binds seconds later, a restarted broker binds again — and the
 * component then dies at start-up. Below that range only a listener can take a port, and a
 * listener is what `isFree` checks for.
 */
const LOW = 21_000;
const HIGH = 32_000;

/** A port free on loopback right now, below the ephemeral range (see above). */
export async function freePort(): Promise<number> {
  return freePortRun(1);
}

/**
 * `count` consecutive ports free on loopback right now, below the ephemeral range (see above), for a
 * component that binds several (a Kafka node's broker and controller ports, the nodes of a cluster).
 *
 * @returns the first port of the run (base, base + 1, …, base + count − 1), between 21000 and 32000.
 * @throws Error when 50 random runs were all partly taken.
 */
export async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = LOW + Math.floor(Math.random() * (HIGH - LOW - count));
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if ((await Promise.all(ports.map((port) => isFree(port)))).every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports between ${LOW} and ${HIGH}`);
}
