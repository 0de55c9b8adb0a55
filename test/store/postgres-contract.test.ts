import { afterAll, describe, it } from 'vitest';
import { startPostgres, type PostgresFixture } from '../support/postgres.js';
import { createPostgresDialect } from '../../src/store/dialects/postgres.js';
import { createKyselyStore } from '../../src/store/store.js';
import { runStoreContract } from '../../src/store/store.contract.js';

/**
 * Scaled mode: the same contract on a real PostgreSQL, TEST_DATABASE_URL when set (its user needs CREATEDB),
 * else a throw-away cluster when the server binaries are installed. Each store gets a fresh database.
 */
const server: PostgresFixture | undefined = await startPostgres();

if (server) {
  afterAll(() => server.stop());
  runStoreContract(`PostgreSQL (${server.origin})`, async () => {
    const database = await server.freshDatabase();
    const store = await createKyselyStore(createPostgresDialect({ connectionString: database.url, maxConnections: 5 }));
    return {
      store,
      async cleanup() {
        await store.close();
        await database.drop();
      },
    };
  });
} else {
  describe.skip('Store contract: PostgreSQL (set TEST_DATABASE_URL or install the postgresql package)', () => {
    it('runs when a server is at hand', () => {});
  });
}
