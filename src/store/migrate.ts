import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import { StoreError } from '../domain/errors.js';
import type { DialectAdapter } from './dialect.js';
import * as initial from './migrations/0001-initial.js';
import * as variables from './migrations/0002-variables.js';
import * as executions from './migrations/0003-executions.js';
import * as integrations from './migrations/0004-integrations.js';
import * as jobAttempts from './migrations/0005-job-attempts.js';
import * as agentWorkspaces from './migrations/0006-agent-workspaces.js';
import * as stateInvariants from './migrations/0007-state-invariants.js';
import * as triggers from './migrations/0008-triggers.js';
import * as gitRefMoves from './migrations/0009-git-ref-moves.js';
import * as webSessions from './migrations/0010-web-sessions.js';
import * as agentPlatforms from './migrations/0011-agent-platforms.js';
import * as platformJobs from './migrations/0012-platform-jobs.js';

/** Migrations live in code, in order; each gets the dialect's capabilities. */
const MIGRATIONS = {
  '0001-initial': initial,
  '0002-variables': variables,
  '0003-executions': executions,
  '0004-integrations': integrations,
  '0005-job-attempts': jobAttempts,
  '0006-agent-workspaces': agentWorkspaces,
  '0007-state-invariants': stateInvariants,
  '0008-triggers': triggers,
  '0009-git-ref-moves': gitRefMoves,
  '0010-web-sessions': webSessions,
  '0011-agent-platforms': agentPlatforms,
  '0012-platform-jobs': platformJobs,
} as const;

function migrator(dialect: DialectAdapter): Migrator {
  const provider: MigrationProvider = {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const [name, m] of Object.entries(MIGRATIONS)) out[name] = { up: (db) => m.up(db, dialect) };
      return out;
    },
  };
  return new Migrator({ db: dialect.db, provider });
}

/** The migrations this version knows that the database has not applied (for /readyz). */
export async function pendingMigrations(dialect: DialectAdapter): Promise<string[]> {
  return (await migrator(dialect).getMigrations()).filter((m) => !m.executedAt).map((m) => m.name);
}

export async function migrateToLatest(dialect: DialectAdapter): Promise<void> {
  const { error, results } = await migrator(dialect).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new StoreError(
      `Database migration ${failed} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`,
      { cause: error },
    );
  }
}

/** Applies the migrations up to `name` and no further: for tests of a migration over data an older version wrote. */
export async function migrateTo(dialect: DialectAdapter, name: keyof typeof MIGRATIONS): Promise<void> {
  const { error } = await migrator(dialect).migrateTo(name);
  if (error) throw error instanceof Error ? error : new StoreError(`Database migration to ${name} failed`);
}
