/**
 * Headers of a record on a retry or DLQ topic: why it failed, how often, and where it came from.
 * The value and key are the original record's, untouched, so a replay re-applies the same bytes.
 */
export const HEADER = {
  projection: 'eventlens-projection',
  errorCode: 'eventlens-error-code',
  errorMessage: 'eventlens-error-message',
  /** How many times the record has failed so far (1 on retry.1, 4 on the DLQ with 3 retries). */
  attempt: 'eventlens-attempt',
  originalTopic: 'eventlens-original-topic',
  originalPartition: 'eventlens-original-partition',
  originalOffset: 'eventlens-original-offset',
  failedAt: 'eventlens-failed-at',
  /** Epoch ms before which the retry consumer leaves the record alone. */
  dueAt: 'eventlens-due-at',
  projectId: 'eventlens-project-id',
  /** How many times the record was replayed from the DLQ: part of its identity in ops.dlq_records. */
  generation: 'eventlens-generation',
} as const;

const OURS = new Set<string>(Object.values(HEADER));
const MAX_MESSAGE = 2000;

export interface Coordinates {
  topic: string;
  partition: number;
  offset: number;
}

export interface FailureInfo {
  projection: string;
  /**
   * A `FailureCode` (outcome.ts) when this version wrote the headers; read back as found, since a
   * record may have been written by another version (`UNKNOWN` when the header is missing).
   */
  errorCode: string;
  errorMessage: string;
  attempt: number;
  original: Coordinates;
  failedAt: number;
  dueAt: number;
  projectId: string | null;
  generation: number;
}

export type RawHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

/** Header values as strings (the last one when a header repeats). */
export function headerStrings(headers: RawHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value !== undefined) out[name] = Buffer.isBuffer(value) ? value.toString('utf8') : value;
  }
  return out;
}

export function writeFailureHeaders(
  info: FailureInfo,
  passthrough: Record<string, string> = {},
): Record<string, string> {
  const kept = Object.fromEntries(Object.entries(passthrough).filter(([name]) => !OURS.has(name)));
  const headers: Record<string, string> = {
    ...kept,
    [HEADER.projection]: info.projection,
    [HEADER.errorCode]: info.errorCode,
    [HEADER.errorMessage]: info.errorMessage.slice(0, MAX_MESSAGE),
    [HEADER.attempt]: String(info.attempt),
    [HEADER.originalTopic]: info.original.topic,
    [HEADER.originalPartition]: String(info.original.partition),
    [HEADER.originalOffset]: String(info.original.offset),
    [HEADER.failedAt]: String(info.failedAt),
    [HEADER.dueAt]: String(info.dueAt),
    [HEADER.generation]: String(info.generation),
  };
  if (info.projectId) headers[HEADER.projectId] = info.projectId;
  return headers;
}

/**
 * Reads the failure headers of a record on a retry or DLQ topic. Missing or malformed headers
 * (a record produced by hand) fall back to what the record itself says.
 */
export function readFailureHeaders(headers: Record<string, string>, self: Coordinates): FailureInfo {
  const int = (name: string, fallback: number) => {
    const n = Number(headers[name]);
    return headers[name] !== undefined && Number.isSafeInteger(n) ? n : fallback;
  };
  const hasOriginal =
    headers[HEADER.originalTopic] !== undefined &&
    Number.isSafeInteger(Number(headers[HEADER.originalPartition])) &&
    Number.isSafeInteger(Number(headers[HEADER.originalOffset]));
  return {
    projection: headers[HEADER.projection] ?? '',
    errorCode: headers[HEADER.errorCode] ?? 'UNKNOWN',
    errorMessage: headers[HEADER.errorMessage] ?? '',
    attempt: int(HEADER.attempt, 0),
    original: hasOriginal
      ? {
          topic: headers[HEADER.originalTopic]!,
          partition: Number(headers[HEADER.originalPartition]),
          offset: Number(headers[HEADER.originalOffset]),
        }
      : self,
    failedAt: int(HEADER.failedAt, 0),
    dueAt: int(HEADER.dueAt, 0),
    projectId: headers[HEADER.projectId] ?? null,
    generation: int(HEADER.generation, 0),
  };
}
