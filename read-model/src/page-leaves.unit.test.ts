import { describe, expect, it } from 'vitest';
import { pageLeaveMeasures } from './page-leaves';
import { PAGE_LEAVE_CASES } from './page-leaves.fixtures';

describe('pageLeaveMeasures', () => {
  it.each(PAGE_LEAVE_CASES)('%s %s → %s ms, %s %%', (eventName, metadataJson, durationMs, scrollDepth) => {
    expect(pageLeaveMeasures(eventName, JSON.parse(metadataJson) as Record<string, unknown>)).toEqual({
      durationMs,
      scrollDepth,
    });
  });
});
