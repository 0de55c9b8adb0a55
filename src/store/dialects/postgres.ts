import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DialectAdapter } from '../dialect.js';
import type { Database as Schema } from '../schema.js';

/** Scaled mode: PostgreSQL through a pg pool shared by every request of this replica. */
export function createPostgresDialect(opts: { connectionString: string; maxConnections?: number }): DialectAdapter {
  const pool = new pg.Pool({ connectionString: opts.connectionString, max: opts.maxConnections ?? 10 });
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    autoIdType: 'serial',
    rowLocks: true,
    autoIdNeedsAutoIncrement: false,
    isUniqueViolation: (error) =>
      typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === '23505',
    close: () => db.destroy(),
  };
}
