/** The overview's range in the URL: ?range=24h, or ?range=custom&from=…&to=… (ISO), and &breakdown=1. */
import type { LocationQuery, LocationQueryRaw } from 'vue-router';
import { isPreset, type RangeSpec } from '@/shared/time';

const first = (v: LocationQuery[string] | undefined) => (Array.isArray(v) ? v[0] : v) ?? undefined;

export function specFromQuery(query: LocationQuery): RangeSpec {
  const range = first(query.range);
  if (range === 'custom') {
    const from = Date.parse(first(query.from) ?? '');
    const to = Date.parse(first(query.to) ?? '');
    if (Number.isFinite(from) && Number.isFinite(to) && from < to) return { kind: 'custom', from, to };
  }
  return { kind: 'preset', preset: isPreset(range) ? range : '24h' };
}

export function specToQuery(spec: RangeSpec): LocationQueryRaw {
  if (spec.kind === 'preset') return { range: spec.preset };
  return { range: 'custom', from: new Date(spec.from).toISOString(), to: new Date(spec.to).toISOString() };
}
