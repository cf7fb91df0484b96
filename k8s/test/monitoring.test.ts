/**
 * The monitoring component (components/monitoring, in prod and prod-keda): a ServiceMonitor per
 * service that matches its Service and port, and a PrometheusRule that is exactly the alert rules
 * Prometheus loads locally (monitoring/rules), so the two never drift.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { PROMETHEUS_RULE_FILE, renderPrometheusRule, ruleGroups } from '../scripts/monitoring';
import { K8S_DIR, render, type K8sObject } from './render';

const SERVICES = ['command-side', 'query-side', 'projections', 'console'];

it('components/monitoring/prometheus-rule.yaml is up to date (npm run -w k8s generate)', () => {
  expect(parse(readFileSync(PROMETHEUS_RULE_FILE, 'utf8'))).toEqual(parse(renderPrometheusRule()));
});

describe.each(['prod', 'prod-keda'] as const)('overlay %s', (overlay) => {
  const objects = render(overlay);

  it("has a ServiceMonitor per service, on its Service's http port, jobs named like the local scrape config", () => {
    const monitors = objects.filter((o) => o.kind === 'ServiceMonitor');
    expect(monitors.map((m) => m.metadata.name).sort()).toEqual([...SERVICES].sort());
    for (const name of SERVICES) {
      const monitor = monitors.find((m) => m.metadata.name === name)!;
      const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === name)!;
      for (const [key, value] of Object.entries(
        monitor.spec.selector.matchLabels as Record<string, string>,
      )) {
        expect(service.metadata.labels?.[key], `${name}: Service label ${key}`).toBe(value);
      }
      expect(service.metadata.labels?.[monitor.spec.jobLabel]).toBe(name);
      const ports = (service.spec.ports as { name: string }[]).map((p) => p.name);
      expect(ports).toContain(monitor.spec.endpoints[0].port);
      expect(monitor.spec.endpoints[0].path).toBe('/metrics');
      expect(monitor.metadata.namespace).toBe('eventlens');
    }
  });

  it('has the PrometheusRule with exactly the groups of monitoring/rules', () => {
    const rules = objects.filter((o) => o.kind === 'PrometheusRule');
    expect(rules).toHaveLength(1);
    expect(rules[0]!.spec.groups).toEqual(ruleGroups());
    expect(ruleGroups().length).toBeGreaterThan(0);
  });

  it("lets the monitoring namespace reach every service's http port", () => {
    const policy = objects.find(
      (o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'prometheus-scrape',
    )!;
    expect(policy.spec.podSelector.matchExpressions[0].values.sort()).toEqual([...SERVICES].sort());
    expect(policy.spec.ingress[0].ports).toEqual([{ port: 'http', protocol: 'TCP' }]);
  });
});

it('dev has no monitoring objects (it needs no Prometheus operator)', () => {
  const kinds = new Set(render('dev').map((o) => o.kind));
  expect(kinds.has('ServiceMonitor')).toBe(false);
  expect(kinds.has('PrometheusRule')).toBe(false);
});

it("the README's overlay that labels the monitors and rules for a Prometheus's selectors renders, labelling exactly those", () => {
  const readme = readFileSync(join(K8S_DIR, 'README.md'), 'utf8');
  const marker = readme.indexOf('<!-- k8s/test/monitoring.test.ts renders this overlay -->');
  expect(marker).toBeGreaterThan(0);
  const block = /```yaml\n([\s\S]*?)```/.exec(readme.slice(marker))![1]!;
  const dir = mkdtempSync(join(tmpdir(), 'eventlens-overlay-'));
  try {
    // As written, the overlay sits next to prod; here it is elsewhere, so its path to prod is made relative.
    const prod = relative(dir, join(K8S_DIR, 'overlays', 'prod'));
    writeFileSync(join(dir, 'kustomization.yaml'), block.replace('../prod', prod));
    const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 60_000 });
    const objects = parseAllDocuments(out).map((d) => d.toJSON() as K8sObject);
    const labelled = objects.filter((o) => o.metadata.labels?.release === 'kube-prometheus-stack');
    expect(labelled.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      [...SERVICES.map((s) => `ServiceMonitor/${s}`), 'PrometheusRule/eventlens'].sort(),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
