import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DialectAdapter } from '../dialect.js';
import type { Database as Schema } from '../schema.js';

/** Scaled mode: PostgreSQL through a pg pool shared by every request of this replica. */
export function createPostgresDialect(opts: {
  connectionString: string;
  maxConnections?: number;
  onIdleError?: (error: Error) => void;
}): DialectAdapter {
  const pool = new pg.Pool({ connectionString: opts.connectionString, max: opts.maxConnections ?? 10 });
  // An idle connection the server drops (restart, failover, pg_terminate_backend) is an 'error' event on the
  // pool; unhandled, it would crash the process. The pool has already discarded that connection.
  pool.on('error', (error) => opts.onIdleError?.(error));
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    autoIdType: 'serial',
    rowLocks: true,
    autoIdNeedsAutoIncrement: false,
    isUniqueViolation: (error) =>
      typeof error === 'object' && error !== null && 'code' in error && error.code === '23505',
    close: () => db.destroy(),
  };
}
