/** Writes components/monitoring/prometheus-rule.yaml from monitoring/rules (see monitoring.ts), formatted as the repository's Prettier does. */
import { writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import { PROMETHEUS_RULE_FILE, renderPrometheusRule } from './monitoring';

const options = (await resolveConfig(PROMETHEUS_RULE_FILE)) ?? {};
writeFileSync(
  PROMETHEUS_RULE_FILE,
  await format(renderPrometheusRule(), { ...options, filepath: PROMETHEUS_RULE_FILE }),
);
console.log(`wrote ${PROMETHEUS_RULE_FILE}`);
