/**
 * The PrometheusRule of components/monitoring, derived from the alert rules Prometheus loads
 * locally (monitoring/rules/*.rules.yml), so the two never drift: `npm run -w k8s generate` writes
 * it, and a test fails when the file is stale or the rendered groups differ from the rule files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

export const RULES_DIR = fileURLToPath(new URL('../../monitoring/rules', import.meta.url));
export const PROMETHEUS_RULE_FILE = fileURLToPath(
  new URL('../components/monitoring/prometheus-rule.yaml', import.meta.url),
);

/** Every group of every rule file, in file order. */
export function ruleGroups(dir = RULES_DIR): unknown[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.rules.yml'))
    .sort()
    .flatMap((f) => (parse(readFileSync(path.join(dir, f), 'utf8')) as { groups: unknown[] }).groups);
}

export function renderPrometheusRule(groups: unknown[] = ruleGroups()): string {
  const header = [
    '# Generated from monitoring/rules/*.rules.yml by k8s/scripts/generate-monitoring.ts.',
    '# Do not edit: change the rule files (and their promtool tests), then run `npm run -w k8s generate`.',
  ];
  const body = stringify(
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'eventlens', labels: { 'app.kubernetes.io/name': 'eventlens' } },
      spec: { groups },
    },
    { lineWidth: 0 },
  );
  return `${header.join('\n')}\n${body}`;
}
