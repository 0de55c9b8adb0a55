import { afterAll, describe, it } from 'vitest';
import { startPostgres } from '../support/postgres.js';
import { crashPointSuite } from './crash-points.suite.js';

const server = await startPostgres();
if (server) {
  afterAll(() => server.stop());
  crashPointSuite('postgres', () => server);
} else {
  describe.skip('crash points on PostgreSQL (set TEST_DATABASE_URL or install the postgresql package)', () => {
    it('runs when a server is at hand', () => {});
  });
}
