/**
 * Events and the page-leave measures the reports count of them (page-leaves.ts): the rule's cases,
 * shared by its unit test, the projection's and migration 014's, so that the projection (JavaScript)
 * and the migration (SQL) cannot drift apart unnoticed.
 */
export const PAGE_LEAVE_CASES: [
  eventName: string,
  metadataJson: string,
  durationMs: number | null,
  scrollDepth: number | null,
][] = [
  ['page_leave', '{"duration_ms":12500,"scroll_depth":64}', 12500, 64],
  ['page_leave', '{"duration_ms":0,"scroll_depth":0}', 0, 0],
  ['page_leave', '{"duration_ms":1234.5,"scroll_depth":100}', 1234.5, 100],
  ['page_leave', '{}', null, null],
  // Not usable: a negative duration, a depth over 100 or under 0, a number sent as a string.
  ['page_leave', '{"duration_ms":-5,"scroll_depth":101}', null, null],
  ['page_leave', '{"duration_ms":"1200","scroll_depth":-1}', null, null],
  ['page_leave', '{"duration_ms":null,"scroll_depth":"50"}', null, null],
  ['page_leave', '{"duration_ms":true,"scroll_depth":[50]}', null, null],
  ['page_leave', '{"duration_ms":{"v":1},"scroll_depth":{"v":1}}', null, null],
  // Beyond what a double holds exactly (2^53 − 1 ms), and beyond a double's range.
  ['page_leave', '{"duration_ms":9007199254740991}', 9007199254740991, null],
  ['page_leave', '{"duration_ms":9007199254740993}', null, null],
  ['page_leave', '{"duration_ms":1e400,"scroll_depth":1e-5}', null, 1e-5],
  // Only page leaves have measures.
  ['page_view', '{"duration_ms":12500,"scroll_depth":64}', null, null],
  ['click', '{"duration_ms":1}', null, null],
];
