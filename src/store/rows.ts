import type { Kysely } from 'kysely';
import { ConflictError, StoreError } from '../domain/errors.js';
import type { Page } from '../app/ports/page.js';
import type { DialectAdapter } from './dialect.js';
import type { Database } from './schema.js';

/** What every repository needs: the (maybe transaction-bound) query builder and the dialect's flags. */
export interface RepoContext {
  db: Kysely<Database>;
  dialect: DialectAdapter;
}

export const toBool = (value: number): boolean => value !== 0;
export const fromBool = (value: boolean): number => (value ? 1 : 0);
export const toDate = (value: string): Date => new Date(value);
export const fromDate = (value: Date): string => value.toISOString();
export const toJson = <T>(text: string): T => JSON.parse(text) as T;
export const fromJson = (value: unknown): string => JSON.stringify(value);

export function offsetOf(page: Page): { limit: number; offset: number } {
  return { limit: page.perPage, offset: (page.page - 1) * page.perPage };
}

/** Runs a query, turning driver errors into StoreError and unique-key clashes into ConflictError. */
export async function guarded<T>(
  ctx: RepoContext,
  what: string,
  run: () => Promise<T>,
  conflictMessage?: string,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (conflictMessage && ctx.dialect.isUniqueViolation(error)) throw new ConflictError(conflictMessage);
    if (error instanceof ConflictError || error instanceof StoreError) throw error;
    throw new StoreError(`Could not ${what}.`, { cause: error });
  }
}

export function must<T>(row: T | undefined, what: string): T {
  if (row === undefined) throw new StoreError(`${what} vanished during the write.`);
  return row;
}
