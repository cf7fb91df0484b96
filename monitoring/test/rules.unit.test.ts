/**
 * The shipped configuration and alert rules through promtool (Debian's `prometheus` package):
 * syntax, and the rules' unit tests, which must cover every alert.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MONITORING_DIR, readRuleFiles, RULES_DIR } from '../src/promql';

const run = promisify(execFile);

async function promtool(args: string[], cwd = MONITORING_DIR) {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd });
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('promtool', () => {
  it('accepts prometheus.yml, the rule files it names included', async () => {
    const result = await promtool(['check', 'config', 'prometheus.yml']);
    expect(result.output).toContain('SUCCESS');
    expect(result.code, result.output).toBe(0);
  });

  it('accepts every rule file', async () => {
    const files = [...(await readRuleFiles()).keys()];
    expect(files.length).toBeGreaterThan(0);
    const result = await promtool(['check', 'rules', ...files.map((f) => path.join('rules', f))]);
    expect(result.code, result.output).toBe(0);
  });

  it('passes the rules’ unit tests', async () => {
    const result = await promtool(['test', 'rules', 'eventlens.test.yml'], RULES_DIR);
    expect(result.output).toContain('SUCCESS');
    expect(result.code, result.output).toBe(0);
  });

  it('fails a unit test whose expected alert differs, so the step above can fail', async () => {
    const broken = (await readFile(path.join(RULES_DIR, 'eventlens.test.yml'), 'utf8')).replace(
      'project_id: c }',
      'project_id: z }',
    );
    const dir = await mkdtemp(path.join(tmpdir(), 'eventlens-rules-'));
    try {
      for (const file of (await readRuleFiles()).keys()) {
        await copyFile(path.join(RULES_DIR, file), path.join(dir, file));
      }
      await writeFile(path.join(dir, 'broken.test.yml'), broken);
      const result = await promtool(['test', 'rules', 'broken.test.yml'], dir);
      expect(result.code).not.toBe(0);
      expect(result.output).toContain('project_id="z"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('rule unit tests', () => {
  it('cover every alert, each with a time it fires', async () => {
    const tests = parse(await readFile(path.join(RULES_DIR, 'eventlens.test.yml'), 'utf8')) as {
      tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const firing = new Set(
      tests.tests.flatMap((t) =>
        (t.alert_rule_test ?? []).filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname),
      ),
    );
    const alerts = [...(await readRuleFiles()).values()].flatMap((f) =>
      f.groups.flatMap((g) => g.rules.map((r) => r.alert)),
    );
    expect(alerts.length).toBeGreaterThanOrEqual(6);
    expect(alerts.filter((a) => !firing.has(a))).toEqual([]);
  });
});
