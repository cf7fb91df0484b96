/**
 * Every PromQL expression the repository ships (alert rules, Grafana dashboards) and the metric
 * names each one reads, so a test can evaluate them against a real Prometheus and fail on a name
 * that has no series (a typo, a renamed metric, a panel for a metric nobody exports).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const MONITORING_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const RULES_DIR = path.join(MONITORING_DIR, 'rules');
export const DASHBOARDS_DIR = path.join(MONITORING_DIR, 'grafana', 'dashboards');

export interface ShippedExpression {
  /** Where it comes from: `rules/eventlens.rules.yml: EventLensDlqNotEmpty`, `dashboards/pipeline.json: Lag per partition`. */
  source: string;
  expr: string;
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleFile {
  groups: { name: string; rules: AlertRule[] }[];
}

/** The rule files Prometheus loads (`rule_files: rules/*.rules.yml`), parsed, by file name. */
export async function readRuleFiles(dir = RULES_DIR): Promise<Map<string, RuleFile>> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.rules.yml')).sort();
  const out = new Map<string, RuleFile>();
  for (const file of files) out.set(file, parse(await readFile(path.join(dir, file), 'utf8')) as RuleFile);
  return out;
}

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

/** The dashboards' JSON, parsed, by file name. */
export async function readDashboards(
  dir = DASHBOARDS_DIR,
): Promise<Map<string, { title: string; uid: string; panels: Panel[] }>> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  const out = new Map<string, { title: string; uid: string; panels: Panel[] }>();
  for (const file of files) out.set(file, JSON.parse(await readFile(path.join(dir, file), 'utf8')));
  return out;
}

/**
 * Grafana's interval variables, replaced by a fixed window so Prometheus can evaluate the
 * expression. No other `$` variable is allowed in a shipped expression.
 */
export const GRAFANA_INTERVALS: Record<string, string> = {
  $__rate_interval: '1m',
  $__interval: '1m',
  $__range: '5m',
};

export function withGrafanaIntervals(expr: string): string {
  let out = expr;
  for (const [variable, value] of Object.entries(GRAFANA_INTERVALS)) out = out.split(variable).join(value);
  return out;
}

/** Every expression of the rules and the dashboards (panels nested in rows included). */
export async function shippedExpressions(
  rulesDir = RULES_DIR,
  dashboardsDir = DASHBOARDS_DIR,
): Promise<ShippedExpression[]> {
  const out: ShippedExpression[] = [];
  for (const [file, rules] of await readRuleFiles(rulesDir)) {
    for (const group of rules.groups) {
      for (const rule of group.rules) out.push({ source: `rules/${file}: ${rule.alert}`, expr: rule.expr });
    }
  }
  for (const [file, dashboard] of await readDashboards(dashboardsDir)) {
    const visit = (panels: Panel[]) => {
      for (const panel of panels) {
        for (const target of panel.targets ?? []) {
          if (target.expr) {
            out.push({ source: `dashboards/${file}: ${panel.title ?? '(untitled)'}`, expr: target.expr });
          }
        }
        visit(panel.panels ?? []);
      }
    };
    visit(dashboard.panels);
  }
  return out;
}

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'offset',
  'bool',
  'inf',
  'nan',
  'atan2',
]);

/**
 * The metric names an expression reads: identifiers outside strings, label matchers, range
 * selectors and grouping clauses that are not functions, aggregations or keywords. Pure, a
 * tokenizer rather than a full parser: Prometheus itself checks the syntax when the test evaluates
 * the expression.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ') // strings
    .replace(/#[^\n]*/g, ' ') // comments
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // range and subquery selectors
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\boffset\s+-?\w+/g, ' ') // offset durations
    .replace(/@\s*[\w.()]+/g, ' '); // @ modifiers
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][\w:]*/g)) {
    const token = match[0];
    const rest = stripped.slice(match.index + token.length);
    if (/^\s*\(/.test(rest)) continue; // a function or an aggregation
    if (KEYWORDS.has(token.toLowerCase())) continue;
    if (/^\d/.test(token)) continue;
    // Exponents and durations are numbers (1e3, 5m): only reached when glued to digits.
    const before = stripped.slice(0, match.index);
    if (/[\d.]$/.test(before)) continue;
    names.add(token);
  }
  return [...names];
}
