import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteDialect } from './dialects/sqlite.js';
import { createKyselyStore } from './store.js';
import { runStoreContract } from './store.contract.js';

/** The embedded default: a real SQLite file (WAL) in a fresh temp dir per store. */
runStoreContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'archway-store-'));
  const store = await createKyselyStore(createSqliteDialect({ file: join(dir, 'archway.db') }));
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
