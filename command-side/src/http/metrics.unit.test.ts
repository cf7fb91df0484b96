import { expect, test } from 'vitest';
import { INGEST_ROUTES as COUNTED } from './metrics';
import { INGEST_ROUTES } from '../ingest/routes';

test('every ingestion route has its refusals counted, and only those', () => {
  expect([...COUNTED].sort()).toEqual(
    Object.values(INGEST_ROUTES)
      .map((route) => route.path)
      .sort(),
  );
});
