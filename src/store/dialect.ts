import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * What differs between SQLite and PostgreSQL, as capability flags; query code never asks which one it has.
 */
export interface DialectAdapter {
  db: Kysely<Database>;
  /** Column type of an auto-generated integer primary key ('integer' + autoIncrement, or 'serial'). */
  autoIdType: 'integer' | 'serial';
  autoIdNeedsAutoIncrement: boolean;
  /** SELECT ... FOR UPDATE, to serialise writers of one row across replicas (SQLite has one writer anyway). */
  rowLocks: boolean;
  isUniqueViolation(error: unknown): boolean;
  /**
   * Takes a lock named by `key` for the rest of the transaction `trx`, across every process on the database
   * (PostgreSQL: pg_advisory_xact_lock). Absent on SQLite: its one process makes every write and a transaction
   * already excludes the others.
   */
  lockForTransaction?(trx: Kysely<Database>, key: string): Promise<void>;
  /** The database server's clock (PostgreSQL: now() outside a transaction). Absent: this host's clock is the database's. */
  serverTime?(): Promise<Date>;
  /**
   * Present when this process sees every change to the database (SQLite: it runs every write itself and learns of
   * other connections' commits): repositories may then cache reads. PostgreSQL has none: other replicas write.
   */
  changes?: ChangeTracker;
  close(): Promise<void>;
}

/** Tells a cached read whether the tables it came from may have changed since. */
export interface ChangeTracker {
  /**
   * A number that is the same as long as no write touched any of `tables` (a write that has not committed yet
   * counts). Synchronous and cheap (one PRAGMA on SQLite); take it before the read whose result it guards.
   * Undefined while a transaction is open on the connection: the read then neither uses nor fills a cache.
   */
  stamp(tables: readonly string[]): number | undefined;
}
