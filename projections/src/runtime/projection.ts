/**
 * What the generic worker needs from a projection: turn records into rows (decoding and
 * validating each record on its own, outcomes as values), and apply rows in a transaction.
 */
import type { Codec, AnyEvent } from '@eventlens/contracts';
import type { Queryable } from '../db';
import { classifyHandlerError } from './classify';
import type { Failure, Outcome } from './outcome';

/** A record as the worker hands it to a projection. */
export interface SourceRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  /** Broker timestamp, epoch ms. */
  timestamp: number;
}

export interface RowFailure {
  /** Index into the rows given to `apply`. */
  index: number;
  failure: Failure;
}

export interface ApplyResult {
  /** Rows that changed the read model (duplicates by event id excluded). */
  applied: number;
  /** Rows the handler refused (e.g. a revocation of a key it does not know yet). */
  failed: RowFailure[];
}

export interface Projection<Row> {
  readonly name: string;
  /** One outcome per record, in order. Never throws for a bad record. */
  prepare(records: readonly SourceRecord[]): Promise<Outcome<Row>[]>;
  /**
   * Applies the rows in the caller's transaction, in bulk. Throws on database errors; a data
   * error (SQLSTATE 22/23) makes the worker retry the batch record by record to find the culprit.
   */
  apply(tx: Queryable, rows: readonly Row[]): Promise<ApplyResult>;
  /** The project a row belongs to, to attribute a failure PostgreSQL found in it. */
  projectOf?(row: Row): string | null;
  /**
   * When the row's event was received (epoch ms, e.g. EventTracked's `received_at`), for the
   * freshness kept in ops (ops/activity.ts). Absent or null: the record's Kafka timestamp.
   */
  receivedAtOf?(row: Row): number | null;
}

/**
 * `prepare` for projections of Avro events: decode each record with the registry codec (its
 * errors caught per record: a poison record must not stop the loop) and map it with `toRow`.
 */
export async function prepareEvents<Row>(
  codec: Codec,
  records: readonly SourceRecord[],
  toRow: (event: AnyEvent) => Outcome<Row>,
): Promise<Outcome<Row>[]> {
  return Promise.all(
    records.map(async (record): Promise<Outcome<Row>> => {
      try {
        if (record.value === null) {
          return { kind: 'retry', failure: { code: 'EMPTY_VALUE', message: 'the record has no value' } };
        }
        return toRow(await codec.decode(record.value));
      } catch (error) {
        return classifyHandlerError(error);
      }
    }),
  );
}
