import type { Kysely } from 'kysely';
import type { Store } from '../app/ports.js';
import { createActionRepo } from './actions.js';
import { createExecutionRepo } from './executions.js';
import { createIntegrationRepo } from './integrations.js';
import { createJobRepo } from './jobs.js';
import { createAgentRepo, createLogRepo } from './logs.js';
import type { DialectAdapter } from './dialect.js';
import { migrateToLatest } from './migrate.js';
import { createPipelineRepo } from './pipelines.js';
import { createProjectRepo } from './projects.js';
import type { Database } from './schema.js';
import { createTokenRepo, createUserRepo } from './tokens.js';
import { createVariableRepo } from './variables.js';
import { createWorkspaceRepo } from './workspaces.js';

function bind(db: Kysely<Database>, dialect: DialectAdapter, isTransaction: boolean): Store {
  const ctx = { db, dialect };
  return {
    workspaces: createWorkspaceRepo(ctx),
    projects: createProjectRepo(ctx),
    pipelines: createPipelineRepo(ctx),
    actions: createActionRepo(ctx),
    users: createUserRepo(ctx),
    tokens: createTokenRepo(ctx),
    executions: createExecutionRepo(ctx),
    jobs: createJobRepo(ctx),
    logs: createLogRepo(ctx),
    agents: createAgentRepo(ctx),
    variables: createVariableRepo(ctx),
    integrations: createIntegrationRepo(ctx),
    // Nested calls join the open transaction, so use cases compose.
    transaction: (fn) => (isTransaction ? fn(bind(db, dialect, true)) : db.transaction().execute((trx) => fn(bind(trx, dialect, true)))),
    close: () => dialect.close(),
  };
}

/** The Kysely store over either dialect; migrates to the latest schema before it is returned. */
export async function createKyselyStore(dialect: DialectAdapter): Promise<Store> {
  await migrateToLatest(dialect);
  return bind(dialect.db, dialect, false);
}
