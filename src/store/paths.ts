import { sql, type Selectable } from 'kysely';
import type { PathQuery, PathRepo, ResolvedPath } from '../app/ports/store.js';
import { toAction } from './actions.js';
import type { ChangeTracker } from './dialect.js';
import { toPipeline } from './pipelines.js';
import { prepared } from './prepared.js';
import { toProject } from './projects.js';
import { guarded, type RepoContext } from './rows.js';
import type { ActionsTable, PipelinesTable, ProjectsTable, WorkspacesTable } from './schema.js';
import { toWorkspace } from './workspaces.js';

/** Every column of a table, checked by the compiler: a column added to the table and not here fails the build. */
function allColumns<T>() {
  return <const L extends readonly (keyof T & string)[]>(
    list: L & ([Exclude<keyof T, L[number]>] extends [never] ? unknown : never),
  ) => list;
}

const TABLES = {
  w: allColumns<WorkspacesTable>()(['id', 'domain', 'name', 'owner_id', 'frozen', 'created_at']),
  p: allColumns<ProjectsTable>()([
    'id',
    'workspace_id',
    'name',
    'display_name',
    'status',
    'access',
    'created_at',
    'created_by',
    'repo_url',
    'repo_user',
    'repo_password',
    'default_branch',
    'settings',
  ]),
  pl: allColumns<PipelinesTable>()([
    'id',
    'project_id',
    'name',
    'identifier',
    'created_at',
    'creator_id',
    'cache_scope',
    'priority',
    'disabled',
    'triggers',
    'options',
    'last_execution_status',
    'last_execution_revision',
    'webhook_token',
  ]),
  a: allColumns<ActionsTable>()([
    'id',
    'pipeline_id',
    'position',
    'name',
    'type',
    'created_at',
    'disabled',
    'settings',
    'last_execution_status',
    'current_revision',
  ]),
};
type Alias = keyof typeof TABLES;
type Row = Record<string, unknown>;

const ALIASES = Object.keys(TABLES) as Alias[];
/** [column, `alias__column`] per table: the joined row keeps each table's columns apart. */
const columnsOf = (alias: Alias) =>
  TABLES[alias].map((column): readonly [string, string] => [column, `${alias}__${column}`]);
const COLUMNS = { w: columnsOf('w'), p: columnsOf('p'), pl: columnsOf('pl'), a: columnsOf('a') };
const selection = ALIASES.flatMap((alias) =>
  COLUMNS[alias].map(([column, as]) => sql.ref(`${alias}.${column}`).as(as)),
);

/** One table's columns out of the joined row; undefined when the LEFT JOIN found nothing. */
function part<T>(row: Row, alias: Alias): Selectable<T> | undefined {
  const columns = COLUMNS[alias];
  if (row[columns[0]![1]] == null) return undefined;
  const out: Row = {};
  for (const [column, as] of columns) out[column] = row[as];
  return out as Selectable<T>;
}

/**
 * Workspace, project, pipeline and action of a request path in one statement. An API request names all of
 * them, and looking them up one by one cost 4 statements (~10 µs each on SQLite plus ~11 µs of query code each,
 * measured) before the request's own work. A level not asked for (null) is simply not found.
 */
const lookUp = prepared<
  { domain: string; project: string | null; pipeline: number | null; action: number | null },
  Row
>((db, p) =>
  db
    .selectFrom('workspaces as w')
    .leftJoin('projects as p', (join) => join.onRef('p.workspace_id', '=', 'w.id').on('p.name', '=', p.project))
    .leftJoin('pipelines as pl', (join) => join.onRef('pl.project_id', '=', 'p.id').on('pl.id', '=', p.pipeline))
    .leftJoin('actions as a', (join) => join.onRef('a.pipeline_id', '=', 'pl.id').on('a.id', '=', p.action))
    .select(selection)
    .where('w.domain', '=', p.domain),
);

async function read(ctx: RepoContext, query: PathQuery): Promise<ResolvedPath> {
  const [row] = await lookUp(ctx.db, {
    domain: query.domain,
    project: query.projectName ?? null,
    pipeline: query.pipelineId ?? null,
    action: query.actionId ?? null,
  });
  if (!row) return {};
  const workspace = part<WorkspacesTable>(row, 'w');
  const project = part<ProjectsTable>(row, 'p');
  const pipeline = part<PipelinesTable>(row, 'pl');
  const action = part<ActionsTable>(row, 'a');
  return {
    workspace: workspace && toWorkspace(workspace),
    project: project && toProject(project),
    pipeline: pipeline && toPipeline(pipeline),
    action: action && toAction(action),
  };
}

export function createPathRepo(ctx: RepoContext): PathRepo {
  // Inside a transaction reads see its own uncommitted writes: they are never cached.
  const cache = ctx.dialect.changes && !ctx.db.isTransaction ? createPathCache(ctx.dialect.changes) : undefined;
  return {
    resolve: (query: PathQuery) =>
      guarded(ctx, 'read the workspace', async () => {
        const load = async () => deepFreeze(await read(ctx, query));
        return cache ? cache.resolve(query, load) : load();
      }),
  };
}

const LEVELS = ['workspaces', 'projects', 'pipelines', 'actions'] as const;
const TABLES_UP_TO = LEVELS.map((_, i) => LEVELS.slice(0, i + 1));
const CACHE_MAX = 1_000;

/**
 * Every API request below a workspace resolves its path first, and reading it costs more than the rest of a
 * get-action request: 46 columns of 4 tables, ~10 µs of SQLite and ~10 µs of mapping in a loop, 45 µs of CPU
 * per request under 50 connections (bench/api). Resolved paths are kept while none of the tables they came
 * from changed (`ChangeTracker`), so a write anywhere in those tables is seen by the next read; an add of an
 * action leaves the pipeline-level paths (what every create reads) cached. Paths are frozen on every
 * dialect: a cached one is shared by every request that finds it.
 */
function createPathCache(changes: ChangeTracker) {
  const entries = new Map<string, { stamp: number; path: ResolvedPath }>();
  return {
    async resolve(query: PathQuery, load: () => Promise<ResolvedPath>): Promise<ResolvedPath> {
      const depth =
        query.actionId !== undefined ? 3 : query.pipelineId !== undefined ? 2 : query.projectName !== undefined ? 1 : 0;
      const key = JSON.stringify([query.domain, query.projectName, query.pipelineId, query.actionId]);
      const stamp = changes.stamp(TABLES_UP_TO[depth]!);
      if (stamp === undefined) return load();
      const hit = entries.get(key);
      if (hit?.stamp === stamp) return hit.path;
      const path = await load();
      if (entries.size >= CACHE_MAX) entries.clear();
      entries.set(key, { stamp, path });
      return path;
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
