import type { Kysely } from 'kysely';
import type { Store } from '../app/ports/store.js';
import { createActionRepo } from './actions.js';
import { createExecutionRepo } from './executions.js';
import { createIntegrationRepo } from './integrations.js';
import { createJobRepo } from './jobs.js';
import { createAgentRepo } from './agents.js';
import { createLogRepo } from './logs.js';
import type { DialectAdapter } from './dialect.js';
import { migrateToLatest } from './migrate.js';
import { createPathRepo } from './paths.js';
import { createPipelineRepo } from './pipelines.js';
import { createProjectRepo } from './projects.js';
import type { RepoContext } from './rows.js';
import type { Database } from './schema.js';
import { createTokenRepo, createUserRepo } from './tokens.js';
import { createGitRefRepo, createScheduleRepo } from './triggers.js';
import { createVariableRepo } from './variables.js';
import { createSessionRepo } from './web-sessions.js';
import { createWorkspaceRepo } from './workspaces.js';

/**
 * Repositories are made on first use: a transaction touches two or three of them, and making all twelve for
 * every transaction cost ~7% of a create-action request (profiled).
 */
function bind(db: Kysely<Database>, dialect: DialectAdapter, isTransaction: boolean): Store {
  const ctx: RepoContext = { db, dialect };
  const made = new Map<string, unknown>();
  const repo = <T>(name: string, make: (c: RepoContext) => T): T => {
    let found = made.get(name) as T | undefined;
    if (found === undefined) made.set(name, (found = make(ctx)));
    return found;
  };
  const store: Store = {
    get workspaces() {
      return repo('workspaces', createWorkspaceRepo);
    },
    get projects() {
      return repo('projects', createProjectRepo);
    },
    get pipelines() {
      return repo('pipelines', createPipelineRepo);
    },
    get actions() {
      return repo('actions', createActionRepo);
    },
    get paths() {
      return repo('paths', createPathRepo);
    },
    get users() {
      return repo('users', createUserRepo);
    },
    get tokens() {
      return repo('tokens', createTokenRepo);
    },
    get executions() {
      return repo('executions', createExecutionRepo);
    },
    get jobs() {
      return repo('jobs', createJobRepo);
    },
    get logs() {
      return repo('logs', createLogRepo);
    },
    get agents() {
      return repo('agents', createAgentRepo);
    },
    get variables() {
      return repo('variables', createVariableRepo);
    },
    get integrations() {
      return repo('integrations', createIntegrationRepo);
    },
    get schedules() {
      return repo('schedules', createScheduleRepo);
    },
    get gitRefs() {
      return repo('gitRefs', createGitRefRepo);
    },
    get sessions() {
      return repo('sessions', createSessionRepo);
    },
    // Nested calls join the open transaction, so use cases compose.
    transaction: (fn) => (isTransaction ? fn(store) : db.transaction().execute((trx) => fn(bind(trx, dialect, true)))),
    exclusive: (key, fn) =>
      isTransaction
        ? (dialect.lockForTransaction?.(db, key) ?? Promise.resolve()).then(() => fn(store))
        : db.transaction().execute(async (trx) => {
            await dialect.lockForTransaction?.(trx, key);
            return fn(bind(trx, dialect, true));
          }),
    databaseTime: () => (dialect.serverTime ? dialect.serverTime() : Promise.resolve(new Date())),
    close: () => dialect.close(),
  };
  return store;
}

/** The Kysely store over either dialect; migrates to the latest schema before it is returned. */
export async function createKyselyStore(dialect: DialectAdapter): Promise<Store> {
  await migrateToLatest(dialect);
  return bind(dialect.db, dialect, false);
}
