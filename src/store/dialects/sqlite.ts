import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely';
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
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return {
    db,
    autoIdType: 'integer',
    rowLocks: false,
    autoIdNeedsAutoIncrement: true,
    // A primary key is a unique key too (PostgreSQL reports both as 23505).
    isUniqueViolation: (error) =>
      typeof error === 'object' && error !== null && 'code' in error &&
      ['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY'].includes(String((error as { code: unknown }).code)),
    close: () => db.destroy(),
  };
}

/**
 * Kysely prepares every query it runs; better-sqlite3 compiles on each prepare, which costs ~30 µs against
 * ~2 µs for a point lookup itself. Statements are reused by SQL text (queries differ only in parameters), with
 * the least recently used dropped past `max`. Safe: Kysely runs one statement at a time on this connection.
 */
function withStatementCache(sqlite: Database.Database, max = 256): SqliteDatabase {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql);
      } else {
        statement = sqlite.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}
