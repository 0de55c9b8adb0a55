import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { DialectAdapter } from '../dialect.js';
import type { Database as Schema } from '../schema.js';

/**
 * Embedded default: one SQLite file in WAL mode. better-sqlite3 is synchronous; Kysely serialises access
 * over its single connection, which is what SQLite wants anyway (one writer at a time).
 */
export function createSqliteDialect(opts: { file: string }): DialectAdapter {
  const sqlite = new Database(opts.file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) });
  return {
    db,
    autoIdType: 'integer',
    rowLocks: false,
    autoIdNeedsAutoIncrement: true,
    isUniqueViolation: (error) =>
      typeof error === 'object' && error !== null && 'code' in error &&
      String((error as { code: unknown }).code).startsWith('SQLITE_CONSTRAINT_UNIQUE'),
    close: () => db.destroy(),
  };
}
