import { describe, expect, it } from 'vitest';
import { metricNames, withGrafanaIntervals } from './promql';

describe('metricNames', () => {
  it('finds the metric names, not functions, aggregations, labels, keywords or durations', () => {
    expect(
      metricNames(`sum by (job) (rate(eventlens_http_requests_total{status=~"5..", job!="x"}[5m]))
        / sum without (route) (rate(eventlens_http_requests_total[5m])) > 0.05`),
    ).toEqual(['eventlens_http_requests_total']);
    expect(
      metricNames(
        `histogram_quantile(0.99, sum by (projection, le) (rate(eventlens_projection_freshness_seconds_bucket{projection!~".*:rebuild"}[5m])))`,
      ),
    ).toEqual(['eventlens_projection_freshness_seconds_bucket']);
    expect(
      metricNames(`(sum by (project_id) (increase(a_total[1d] offset 30m)) > 240) unless on (project_id) b_total
        and ignoring (x) group_left (y) c or vector(1) * 1e3`),
    ).toEqual(['a_total', 'b_total', 'c']);
    expect(metricNames('up == 0')).toEqual(['up']);
    expect(metricNames('max(x) by (job) == bool 2')).toEqual(['x']);
  });

  it('finds nothing inside strings or label values that look like names', () => {
    expect(metricNames('label_replace(up, "dst", "not_a_metric", "src", "(.*)")')).toEqual(['up']);
    expect(metricNames('foo{le="+Inf", worker="analytics.retry"}')).toEqual(['foo']);
  });
});

describe('withGrafanaIntervals', () => {
  it("replaces Grafana's interval variables with fixed windows", () => {
    expect(withGrafanaIntervals('rate(x[$__rate_interval]) + increase(y[$__range])')).toBe(
      'rate(x[1m]) + increase(y[5m])',
    );
  });
});
