/** What other packages read from monitoring/: the shipped rules and expressions (k8s generates its PrometheusRule from them). */
export {
  metricNames,
  MONITORING_DIR,
  readDashboards,
  readRuleFiles,
  RULES_DIR,
  shippedExpressions,
  withGrafanaIntervals,
  type AlertRule,
  type RuleFile,
  type ShippedExpression,
} from './promql';
