import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../app/ports.js';
import { createUseCases, type UseCases } from '../app/use-cases.js';
import type { Config } from '../config/config.js';
import { loadSecretKey } from '../secrets/key-source.js';
import { createSecretBox } from '../secrets/secret-box.js';
import { createPostgresDialect } from '../store/dialects/postgres.js';
import { createSqliteDialect } from '../store/dialects/sqlite.js';
import { createKyselyStore } from '../store/store.js';
import { buildApi } from '../api/app.js';

export interface Core {
  store: Store;
  useCases: UseCases;
}

/** The one place that picks concrete adapters: SQLite in the data dir by default, PostgreSQL when configured. */
export async function openCore(config: Config): Promise<Core> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const secrets = createSecretBox(loadSecretKey({ secretKey: config.secretKey, dataDir: config.dataDir }));
  const dialect = config.databaseUrl
    ? createPostgresDialect({ connectionString: config.databaseUrl })
    : createSqliteDialect({ file: join(config.dataDir, 'archway.db') });
  const store = await createKyselyStore(dialect);
  return { store, useCases: createUseCases({ store, secrets, clock: { now: () => new Date() } }) };
}

/** Core + API, bootstrapped; used by `archway serve` and by the end-to-end tests. */
export async function createServer(config: Config, logger: FastifyBaseLogger | false) {
  const core = await openCore(config);
  const { createdValue } = await core.useCases.tokens.bootstrap(config.bootstrapToken);
  const app = await buildApi({ useCases: core.useCases, publicUrl: config.publicUrl, rateLimit: config.rateLimit, logger });
  app.addHook('onClose', async () => core.store.close());
  return { app, core, createdToken: createdValue };
}
