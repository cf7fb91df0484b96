/**
 * `@eventlens/query-side/test-support`: what other packages' tests and tools use to run the query
 * side against a private database (the console's explorer probe, for one).
 */
export { createTestDatabase, type TestDatabase } from './database';
export {
  insertEvents,
  insertKey,
  insertProject,
  insertUser,
  seedTenants,
  type EventFixture,
  type Tenants,
} from './fixtures';
export { startServer, TEST_SECRET, type TestServer } from './server';
export { parseSetCookie, sessionCookie } from './session';
