import type { Generated } from 'kysely';

/**
 * Table shapes. One code path for both dialects: dates are ISO-8601 text, booleans are 0/1 integers,
 * structured values are JSON text, so no query needs to know which database it talks to.
 */
export interface Database {
  users: UsersTable;
  tokens: TokensTable;
  workspaces: WorkspacesTable;
  projects: ProjectsTable;
  pipelines: PipelinesTable;
  actions: ActionsTable;
  executions: ExecutionsTable;
  action_executions: ActionExecutionsTable;
  jobs: JobsTable;
  log_lines: LogLinesTable;
  agents: AgentsTable;
  variables: VariablesTable;
  integrations: IntegrationsTable;
  schedules: SchedulesTable;
  git_polls: GitPollsTable;
  git_refs: GitRefsTable;
  web_sessions: WebSessionsTable;
}

export interface UsersTable {
  id: Generated<number>;
  name: string;
  email: string;
  created_at: string;
}

export interface TokensTable {
  id: string;
  user_id: number;
  name: string;
  token_hash: string;
  scopes: string;
  workspace_restrictions: string;
  ip_restrictions: string;
  expires_at: string | null;
  created_at: string;
}

export interface WorkspacesTable {
  id: Generated<number>;
  domain: string;
  name: string;
  owner_id: number;
  frozen: number;
  created_at: string;
}

export interface ProjectsTable {
  id: Generated<number>;
  workspace_id: number;
  name: string;
  display_name: string;
  status: string;
  access: string;
  created_at: string;
  created_by: number;
  repo_url: string | null;
  repo_user: string | null;
  repo_password: string | null;
  default_branch: string;
  /** JSON: the project's boolean/text options. */
  settings: string;
}

export interface PipelinesTable {
  id: Generated<number>;
  project_id: number;
  name: string;
  identifier: string;
  created_at: string;
  creator_id: number;
  cache_scope: string;
  priority: string;
  disabled: number;
  /** JSON: {refs, events, triggerConditions}. */
  triggers: string;
  /** JSON: options stored as given. */
  options: string;
  last_execution_status: string;
  last_execution_revision: string | null;
  /** The webhook trigger's token, sealed; null until the pipeline has a WEBHOOK event. */
  webhook_token: string | null;
}

export interface ActionsTable {
  id: Generated<number>;
  pipeline_id: number;
  position: number;
  name: string;
  type: string;
  created_at: string;
  disabled: number;
  /** JSON: the generic run settings and the type's build settings. */
  settings: string;
  last_execution_status: string;
  current_revision: string | null;
}

export interface ExecutionsTable {
  id: Generated<number>;
  pipeline_id: number;
  status: string;
  created_at: string;
  start_date: string | null;
  finish_date: string | null;
  triggered_on: string;
  creator_id: number;
  comment: string | null;
  refresh: number;
  clear_cache: number;
  priority: string;
  requested_branch: string | null;
  requested_revision: string | null;
  /** JSON Revision or null. */
  revision: string | null;
  /** JSON ExecutionVariable[] (encrypted values sealed). */
  variables: string;
  error_message: string | null;
  trigger: string;
  trigger_ref: string | null;
  trigger_by: string | null;
  trigger_key: string | null;
}

export interface ActionExecutionsTable {
  id: Generated<number>;
  hex_id: string;
  execution_id: number;
  position: number;
  action_id: number;
  /** JSON ActionSnapshot. */
  action: string;
  status: string;
  progress: number;
  start_date: string | null;
  finish_date: string | null;
  error_message: string | null;
  attempts: number;
}

export interface JobsTable {
  id: Generated<number>;
  action_execution_id: number;
  execution_id: number;
  pipeline_id: number;
  state: string;
  attempt: number;
  priority: number;
  not_before: string;
  agent_id: string | null;
  lease_until: string | null;
  /** When the agent of this attempt first reported; null until then. */
  started_at: string | null;
  /** Lines in the action execution's log when this attempt was claimed (appends now count `log_received`). */
  log_base: Generated<number>;
  cancel_requested: number;
  /** JSON JobSpec: holds opened secrets, so it is deleted when the job is done. */
  spec: string;
  created_at: string;
  /** BUILD (the whole action), PLATFORM (one platform of a fanned-out build) or INDEX (its index, after them). */
  kind: Generated<string>;
  platform: string | null;
  /** Lines this attempt sent (a part appends at the log's end: parts run side by side). */
  log_received: Generated<number>;
  /** How the DONE job ended: SUCCESSFUL, FAILED or TERMINATED; null before. */
  outcome: string | null;
  /** JSON: what a SUCCESSFUL PLATFORM job pushed (its PlatformImage); null otherwise. */
  result: string | null;
  /** Why the DONE job failed, as its agent said. */
  error: string | null;
  /** sha256 of what a PLATFORM job builds: a retry reuses its image only while this is the same. */
  inputs: string | null;
  /** The MIN cache key a PLATFORM job builds with (its agent's store gets warm); null otherwise. */
  cache_key: string | null;
}

export interface LogLinesTable {
  action_execution_id: number;
  seq: number;
  line: string;
}

export interface AgentsTable {
  id: string;
  name: string;
  token_hash: string;
  labels: string;
  /** JSON array of workspace ids; null: a global agent. */
  workspace_ids: string | null;
  created_at: string;
  last_seen_at: string | null;
  /** What the agent reported at its last hello (migration 0011); null until then. */
  host_platform: string | null;
  /** JSON arrays of platform strings. */
  native_platforms: string | null;
  emulated_platforms: string | null;
}

export interface VariablesTable {
  id: Generated<number>;
  workspace_id: number;
  /** Null at workspace scope; inner scopes also fill their ancestors' columns. */
  project_id: number | null;
  pipeline_id: number | null;
  action_id: number | null;
  key: string;
  /** Plain text, or a ciphertext of the Secrets port when `encrypted` is 1. */
  value: string;
  type: string;
  encrypted: number;
  settable: number;
  description: string | null;
  file_path: string | null;
  file_chmod: string | null;
  file_place: string;
  created_at: string;
}

export interface IntegrationsTable {
  id: Generated<number>;
  hash_id: string;
  workspace_id: number;
  /** Set for scope PROJECT only. */
  project_id: number | null;
  name: string;
  type: string;
  scope: string;
  identifier: string;
  auth_type: string;
  all_pipelines_allowed: number;
  /** JSON number[]: pipeline ids. */
  allowed_pipelines: string;
  /** JSON IntegrationDetails: the non-secret credentials. */
  details: string;
  /** Ciphertext of the Secrets port (password, secret key or service-account key). */
  secret: string;
  created_at: string;
}

export interface SchedulesTable {
  pipeline_id: number;
  /** The schedule's stable text (`scheduleKey`): an edited schedule is a new row. */
  key: string;
  /** The next tick, or null when the schedule has none left. */
  next_at: string | null;
  paused_reason: string | null;
  /** The newest execution id when the schedule last resumed (0: never paused); failures are counted after it. */
  failures_after: Generated<number>;
}

export interface GitPollsTable {
  project_id: number;
  next_poll_at: string;
  /** 1 once the project's refs were read a first time (that read only records them). */
  recorded: number;
}

export interface GitRefsTable {
  project_id: number;
  ref: string;
  /** Null once the ref was deleted (the row stays, so its count of moves goes on if it comes back). */
  sha: string | null;
  /** How many moves of this ref were recorded (a creation, a push, a deletion each count one). */
  moves: number;
}

export interface WebSessionsTable {
  id: string;
  /** sha256 of the cookie's value. */
  digest: string;
  token_id: string;
  user_id: number;
  csrf: string;
  created_at: string;
  last_seen_at: string;
}
