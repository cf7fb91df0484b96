/**
 * The monitoring component (components/monitoring, in prod and prod-keda): a ServiceMonitor per
 * service that matches its Service and port, and a PrometheusRule that is exactly the alert rules
 * Prometheus loads locally (monitoring/rules), so the two never drift.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROMETHEUS_RULE_FILE, renderPrometheusRule, ruleGroups } from '../scripts/monitoring';
import { render } from './render';

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
