import { Kysely, PostgresDialect, sql } from 'kysely';
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
    lockForTransaction: async (trx, key) => {
      // hashtext folds the name into the 32-bit key space; a collision only serialises two unrelated steps.
      await sql`select pg_advisory_xact_lock(hashtext(${`archway:${key}`}))`.execute(trx);
    },
    serverTime: async () => {
      // clock_timestamp(), not now(): now() is the start of the transaction, not the moment it is read.
      const { rows } = await sql<{ t: Date }>`select clock_timestamp() as t`.execute(db);
      return new Date(rows[0]!.t);
    },
    close: () => db.destroy(),
  };
}
