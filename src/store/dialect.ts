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
  /** SELECT ... FOR UPDATE SKIP LOCKED, so replicas can claim jobs concurrently (SQLite has one writer anyway). */
  rowLocks: boolean;
  isUniqueViolation(error: unknown): boolean;
  close(): Promise<void>;
}
