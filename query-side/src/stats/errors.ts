/**
 * The error of the Stats API's parsers (query.ts, dimensions.ts, filters.ts): a request that passed
 * the schema but names something EventLens does not have; `field` is the path of the field at fault.
 */
export class QueryError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}
