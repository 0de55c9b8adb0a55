import Database from 'better-sqlite3';
import { chmodSync } from 'node:fs';
import { Kysely } from 'kysely';
import type { DialectAdapter } from '../dialect.js';
import type { Database as Schema } from '../schema.js';
import { ArchwaySqliteDialect, createChangeTracker } from './sqlite-driver.js';

/**
 * Embedded default: one SQLite file in WAL mode. better-sqlite3 is synchronous; the driver serialises access
 * over its single connection, which is what SQLite wants anyway (one writer at a time).
 */
export function createSqliteDialect(opts: { file: string }): DialectAdapter {
  const sqlite = new Database(opts.file);
  // Owner only: SQLite gives the -wal and -shm files the database file's mode.
  chmodSync(opts.file, 0o600);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const changes = createChangeTracker(sqlite);
  const db = new Kysely<Schema>({ dialect: new ArchwaySqliteDialect(sqlite, changes) });
  return {
    db,
    autoIdType: 'integer',
    rowLocks: false,
    autoIdNeedsAutoIncrement: true,
    // A primary key is a unique key too (PostgreSQL reports both as 23505).
    isUniqueViolation: (error) =>
      typeof error === 'object' &&
      error !== null &&
      'code' in error &&
      ['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY'].includes(String(error.code)),
    changes,
    close: () => db.destroy(),
  };
}
