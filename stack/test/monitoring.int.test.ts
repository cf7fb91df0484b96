/**
 * Optional local monitoring (EVENTLENS_MONITORING=1): Prometheus started the way the launcher
 * starts it — the shipped monitoring/prometheus.yml linked unchanged into a directory of its own,
 * targets from file_sd — on its own port and storage, scraping the running stack's services.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { eventually } from '../src/eventually';
import {
  findPrometheus,
  localTargets,
  MONITORING_DIR,
  SCRAPE_JOBS,
  startPrometheus,
  type ScrapeTargets,
} from '../src/monitoring';
import { freePort } from '../src/ports';
import { markerArg, Supervisor } from '../src/supervisor';
import { stackForTests } from '../src/testing';

describe('findPrometheus', () => {
  it("finds Debian's prometheus on the PATH, and nothing where EVENTLENS_PROMETHEUS_BIN points at no binary", async () => {
    expect(await findPrometheus({ PATH: process.env.PATH })).toBe('prometheus');
    expect(await findPrometheus({ EVENTLENS_PROMETHEUS_BIN: '/nonexistent/prometheus' })).toBeUndefined();
  });
});

describe('Prometheus as the launcher starts it', () => {
  let home: string;
  let supervisor: Supervisor;
  let url: string;
  let pid: number;
  let silent: Server;
  let targets: ScrapeTargets;

  beforeAll(async () => {
    await stackForTests();
    home = await mkdtemp(path.join(os.tmpdir(), 'eventlens-monitoring-'));
    supervisor = new Supervisor(path.join(home, 'logs'), path.join(home, 'run'), () => undefined);
    // The console target answers 500: its `up` is 0 while the others are 1.
    silent = createServer((_req, res) => res.writeHead(500).end()).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    targets = {
      ...localTargets(loadConfig().ports),
      console: `127.0.0.1:${(silent.address() as AddressInfo).port}`,
    };
    const started = await startPrometheus(
      {
        dir: path.join(home, 'monitoring'),
        port: await freePort(),
        targets,
        bin: (await findPrometheus())!,
        marker: markerArg(home),
      },
      supervisor,
      60_000,
    );
    url = started.url;
    pid = started.child.process.pid!;
  }, 90_000);

  afterAll(async () => {
    await supervisor?.stopAll();
    silent?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('runs the shipped configuration unchanged, with the targets written for this stack', async () => {
    const dir = path.join(home, 'monitoring');
    expect(await readlink(path.join(dir, 'prometheus.yml'))).toBe(
      path.join(MONITORING_DIR, 'prometheus.yml'),
    );
    const loaded = (await (await fetch(`${url}/api/v1/status/config`)).json()) as { data: { yaml: string } };
    for (const job of SCRAPE_JOBS) expect(loaded.data.yaml).toContain(`job_name: ${job}`);
    expect(await readFile(path.join(dir, 'targets', 'projections.json'), 'utf8')).toContain(
      targets.projections,
    );
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
    expect(cmdline).toContain(markerArg(home));
  });

  it("scrapes every job: up is 1 for the stack's services, 0 for a target that answers 500", async () => {
    const up = await eventually(
      'a scrape of every job',
      async () => {
        const body = (await (await fetch(`${url}/api/v1/query?query=up`)).json()) as {
          data: { result: { metric: { job: string }; value: [number, string] }[] };
        };
        const jobs = Object.fromEntries(body.data.result.map((r) => [r.metric.job, r.value[1]]));
        if (Object.keys(jobs).length < SCRAPE_JOBS.length)
          throw new Error(`up so far: ${JSON.stringify(jobs)}`);
        return jobs;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(up).toEqual({ 'command-side': '1', 'query-side': '1', projections: '1', console: '0' });
  }, 40_000);

  it('loads the shipped alert rules', async () => {
    const body = (await (await fetch(`${url}/api/v1/rules`)).json()) as {
      data: { groups: { rules: { name: string }[] }[] };
    };
    const names = body.data.groups.flatMap((g) => g.rules.map((r) => r.name));
    expect(names).toContain('EventLensDlqNotEmpty');
    expect(names).toContain('EventLensFreshnessP99AboveTarget');
  });
});
