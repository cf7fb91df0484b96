/**
 * The Grafana dashboards as provisioning JSON: what Grafana needs to load them side by side (unique
 * uids and panel ids, panels inside the 24-column grid) and to point them at any Prometheus (every
 * query on the `datasource` variable). Their PromQL is checked against a real Prometheus in
 * prometheus.int.test.ts.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DASHBOARDS_DIR, MONITORING_DIR, readDashboards } from '../src/promql';

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: { expr: string; datasource: { type: string; uid: string } }[];
  panels?: Panel[];
}

describe('the dashboards', async () => {
  const dashboards = await readDashboards();

  it('are three, with unique uids and titles', () => {
    const all = [...dashboards.values()];
    expect(all).toHaveLength(3);
    expect(new Set(all.map((d) => d.uid)).size).toBe(all.length);
    expect(new Set(all.map((d) => d.title)).size).toBe(all.length);
  });

  it.each([...dashboards.keys()])(
    '%s: unique panel ids, inside the grid, every query on the datasource variable',
    (file) => {
      const dashboard = dashboards.get(file)! as unknown as {
        panels: Panel[];
        templating: { list: { name: string; type: string; query: string }[] };
      };
      expect(dashboard.templating.list).toContainEqual(
        expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
      );
      const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
      expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
      for (const panel of panels) {
        expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
        for (const target of panel.targets ?? []) {
          expect(target.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
          expect(target.expr.trim().length, panel.title).toBeGreaterThan(0);
        }
      }
      expect(panels.filter((p) => (p.targets ?? []).length > 0).length).toBeGreaterThan(5);
    },
  );

  it('are found by the provisioning file, which names a folder and a path', async () => {
    const provider = parse(
      await readFile(path.join(MONITORING_DIR, 'grafana', 'provisioning', 'dashboards.yml'), 'utf8'),
    ) as { apiVersion: number; providers: { type: string; folder: string; options: { path: string } }[] };
    expect(provider.apiVersion).toBe(1);
    expect(provider.providers[0]).toMatchObject({ type: 'file', folder: 'EventLens' });
    expect(path.basename(DASHBOARDS_DIR)).toBe('dashboards');
  });
});
