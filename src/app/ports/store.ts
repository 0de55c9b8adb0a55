import type { Action, ActionSettings } from '../../domain/action.js';
import type { Integration } from '../../domain/integration.js';
import type { EventType, Pipeline } from '../../domain/pipeline.js';
import type { Project } from '../../domain/project.js';
import type { AccessToken, User } from '../../domain/token.js';
import type { Variable, VariableScope } from '../../domain/variable.js';
import type { Workspace } from '../../domain/workspace.js';
import type { AgentRepo } from './agent-repo.js';
import type { ExecutionRepo } from './execution-repo.js';
import type { JobRepo } from './job-queue.js';
import type { LogRepo } from './log-repo.js';
import type { Page } from './page.js';
import type { GitRefRepo, ScheduleRepo } from './trigger-repo.js';
import type { SessionRepo } from './session-repo.js';

export type NewWorkspace = Omit<Workspace, 'id' | 'createdAt'>;

export type NewProject = Omit<Project, 'id' | 'createdAt'>;

export type NewPipeline = Omit<Pipeline, 'id' | 'createdAt' | 'lastExecutionStatus' | 'lastExecutionRevision'>;

export type NewAction = ActionSettings & { pipelineId: number };

export type NewToken = Omit<AccessToken, 'createdAt'> & { tokenHash: string };

export interface WorkspaceRepo {
  create(input: NewWorkspace): Promise<Workspace>;
  byDomain(domain: string): Promise<Workspace | undefined>;
  find(id: number): Promise<Workspace | undefined>;
  list(filter: { domains?: string[] }, page: Page): Promise<Workspace[]>;
  update(id: number, patch: Partial<Pick<Workspace, 'name' | 'domain'>>): Promise<Workspace>;
  remove(id: number): Promise<void>;
}

export interface ProjectRepo {
  create(input: NewProject): Promise<Project>;
  byName(workspaceId: number, name: string): Promise<Project | undefined>;
  find(id: number): Promise<Project | undefined>;
  list(filter: { workspaceId: number; status?: string }, page: Page): Promise<Project[]>;
  update(project: Project): Promise<Project>;
  remove(id: number): Promise<void>;
}

export interface PipelineRepo {
  create(input: NewPipeline): Promise<Pipeline>;
  byId(projectId: number, id: number): Promise<Pipeline | undefined>;
  find(id: number): Promise<Pipeline | undefined>;
  list(filter: { projectId: number }, page: Page): Promise<Pipeline[]>;
  /** Every pipeline (of one project, if given) with an event of one of these types, by id. */
  withEvents(types: readonly EventType[], projectId?: number): Promise<Pipeline[]>;
  update(pipeline: Pipeline): Promise<Pipeline>;
  remove(id: number): Promise<void>;
}

export interface ActionRepo {
  /** Inserts at `position` (0-based), shifting later actions down; call inside a transaction. */
  create(input: NewAction, position: number): Promise<Action>;
  /** Adds at the end of the pipeline; atomic on its own (inside or outside a transaction). */
  append(input: NewAction): Promise<Action>;
  /**
   * Inserts right after the action `afterId`, whose position is read under the pipeline's lock (a concurrent
   * add or remove cannot move it in between); undefined, writing nothing, when it is not an action of the
   * pipeline. Call inside a transaction.
   */
  insertAfter(input: NewAction, afterId: number): Promise<Action | undefined>;
  byId(pipelineId: number, id: number): Promise<Action | undefined>;
  find(id: number): Promise<Action | undefined>;
  /** In pipeline order. */
  list(pipelineId: number, page: Page): Promise<Action[]>;
  count(pipelineId: number): Promise<number>;
  update(action: Action): Promise<Action>;
  /** Removes and closes the gap in positions; call inside a transaction. */
  remove(action: Action): Promise<void>;
}

/** The resources a request path names, from the workspace down; the deeper levels are optional. */
export interface PathQuery {
  domain: string;
  projectName?: string;
  pipelineId?: number;
  actionId?: number;
}

/** What exists of a PathQuery: a level is undefined when it (or a level above it) does not exist or was not asked. */
export interface ResolvedPath {
  workspace?: Workspace | undefined;
  project?: Project | undefined;
  pipeline?: Pipeline | undefined;
  action?: Action | undefined;
}

export interface PathRepo {
  /** Every level of the path in one read. */
  resolve(query: PathQuery): Promise<ResolvedPath>;
}

export interface UserRepo {
  create(input: Omit<User, 'id' | 'createdAt'>): Promise<User>;
  byId(id: number): Promise<User | undefined>;
  first(): Promise<User | undefined>;
}

export interface TokenRepo {
  create(input: NewToken): Promise<AccessToken>;
  byHash(tokenHash: string): Promise<AccessToken | undefined>;
  byId(userId: number, id: string): Promise<AccessToken | undefined>;
  list(userId: number, page: Page): Promise<AccessToken[]>;
  remove(id: string): Promise<void>;
  count(): Promise<number>;
}

export type NewVariable = Omit<Variable, 'id' | 'createdAt'>;

export interface VariableRepo {
  /** ConflictError when the key is taken at that scope. */
  create(input: NewVariable): Promise<Variable>;
  /** A variable of the workspace, at any scope. */
  byId(workspaceId: number, id: number): Promise<Variable | undefined>;
  /** The variables defined exactly at `scope` (not its ancestors nor its inner scopes), oldest first. */
  list(workspaceId: number, scope: VariableScope): Promise<Variable[]>;
  /** The variables in force at `scope`: its own and its ancestors' (the workspace's, the project's, ...). */
  inForce(workspaceId: number, scope: VariableScope): Promise<Variable[]>;
  update(variable: Variable): Promise<Variable>;
  remove(id: number): Promise<void>;
}

export type NewIntegration = Omit<Integration, 'id' | 'createdAt'>;

/** An action that references an integration, with the names a person recognises it by. */
export interface IntegrationUse {
  actionId: number;
  actionName: string;
  pipelineId: number;
  pipelineName: string;
  projectId: number;
  projectName: string;
}

export interface IntegrationRepo {
  /** ConflictError when the identifier (or the hash id) is taken in the workspace. */
  create(input: NewIntegration): Promise<Integration>;
  byHash(workspaceId: number, hashId: string): Promise<Integration | undefined>;
  byIdentifier(workspaceId: number, identifier: string): Promise<Integration | undefined>;
  /** Every integration of the workspace (both scopes), oldest first. */
  list(workspaceId: number): Promise<Integration[]>;
  /** ConflictError when the new identifier is taken. */
  update(integration: Integration): Promise<Integration>;
  remove(id: number): Promise<void>;
  /** The actions of the workspace whose build references the integration by this hash id, by action id. */
  usages(workspaceId: number, hashId: string): Promise<IntegrationUse[]>;
}

/**
 * Persistence. Lifecycle: created by a composition root (cli/), migrated on open, closed once on shutdown.
 * Concurrency: safe for concurrent calls; `transaction` runs its callback with a store bound to one
 * transaction (all-or-nothing; the callback's error rolls back and is rethrown). Failure: driver errors are
 * wrapped in StoreError; unique-key clashes surface as ConflictError.
 */
export interface Store {
  workspaces: WorkspaceRepo;
  projects: ProjectRepo;
  pipelines: PipelineRepo;
  actions: ActionRepo;
  paths: PathRepo;
  users: UserRepo;
  tokens: TokenRepo;
  executions: ExecutionRepo;
  jobs: JobRepo;
  logs: LogRepo;
  agents: AgentRepo;
  variables: VariableRepo;
  integrations: IntegrationRepo;
  schedules: ScheduleRepo;
  gitRefs: GitRefRepo;
  sessions: SessionRepo;
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /**
   * A transaction that also holds the lock named `key` until it ends, across every process on the database: of two
   * replicas running `exclusive('bootstrap', …)` at once, the second starts when the first has committed and sees
   * its writes. Inside a transaction it joins it and takes the lock there.
   */
  exclusive<T>(key: string, fn: (tx: Store) => Promise<T>): Promise<T>;
  /** The database's clock (this host's when the database is embedded): one time for every replica. */
  databaseTime(): Promise<Date>;
  close(): Promise<void>;
}
