/** Response pieces shared by several read models. */
import { z } from 'zod';

export const Uuid = z.guid().meta({ format: 'uuid' });
export const Timestamp = z.iso.datetime().meta({ description: 'ISO 8601, UTC, millisecond precision.' });
export const JsonObject = z.record(z.string(), z.unknown());
export const NextCursor = z
  .string()
  .nullable()
  .meta({ description: 'Pass as `cursor` for the next page; null on the last page.' });

export const toIso = (value: Date | string) => new Date(value).toISOString();
export const toIsoOrNull = (value: Date | string | null) => (value === null ? null : toIso(value));
/** PostgreSQL bigint and numeric arrive as strings; every count here fits in a double. */
export const toCount = (value: string | number | null | undefined) => Number(value ?? 0);
