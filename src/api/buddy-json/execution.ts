import { Type, type Static, type TNull, type TOptional, type TString, type TUnion } from 'typebox';
import type { ExecutionView, RunInput } from '../../app/executions.js';
import type { ActionExecution, Execution, Revision } from '../../domain/execution.js';
import { PRIORITIES, type Pipeline } from '../../domain/pipeline.js';
import type { Project } from '../../domain/project.js';
import type { User } from '../../domain/token.js';
import { iso, Nullable } from './common.js';
import { DetailValue, LIMITS, List, LongText, Name, OpenObject, Text } from './limits.js';
import { MemberJson, memberJson } from './member.js';
import { PipelineShortJson, pipelineShortJson } from './pipeline.js';
import { paths, type Urls } from './urls.js';

const Str = Type.String();
const opt = Type.Optional;

/**
 * `{revision}` / `{name}` references; other fields a client echoes from a GET (`url`, `author` {name, email}, ...)
 * are ignored, and may nest one object deep.
 */
const Echoed = Type.Union([DetailValue, OpenObject({})]);
const Ref = <K extends string>(key: K) =>
  Type.Object({ [key]: opt(Nullable(Name())) } as Record<K, TOptional<TUnion<[TString, TNull]>>>, {
    additionalProperties: Echoed,
    maxProperties: LIMITS.properties,
  });
export const RunBody = Type.Object({
  to_revision: opt(Ref('revision')),
  from_revision: opt(Ref('revision')),
  branch: opt(Ref('name')),
  tag: opt(Ref('name')),
  comment: opt(Nullable(LongText())),
  refresh: opt(Type.Boolean()),
  clear_cache: opt(Type.Boolean()),
  priority: opt(Type.Enum([...PRIORITIES])),
  // A run's value may set a FILE variable, so it may be as long as one.
  variables: opt(
    List(
      Type.Object(
        { key: Name(), value: Text(LIMITS.fileValue), encrypted: opt(Type.Boolean()) },
        { additionalProperties: DetailValue, maxProperties: LIMITS.properties },
      ),
      LIMITS.variables,
    ),
  ),
});
export type RunBody = Static<typeof RunBody>;
export const OperationBody = Type.Object({
  operation: Type.Enum(['CANCEL', 'RETRY', 'APPLY', 'APPLY_VARIABLES', 'RUN_DELAYED']),
});

export const runInput = (b: RunBody): RunInput => ({
  branch: b.branch?.name ?? null,
  revision: b.to_revision?.revision ?? null,
  comment: b.comment,
  refresh: b.refresh,
  clearCache: b.clear_cache,
  priority: b.priority,
  variables: b.variables,
});

const RevisionJson = Type.Object({
  url: Str,
  html_url: Str,
  revision: Str,
  author_date: Str,
  commit_date: Str,
  message: Str,
  author: Type.Object({ name: Str, email: Str }),
  committer: Type.Object({ name: Str, email: Str }),
});
const ActionShort = Type.Object({
  url: Str,
  html_url: Str,
  id: Type.Integer(),
  name: Str,
  type: Str,
  trigger_time: Str,
  disabled: Type.Boolean(),
  ignore_errors: Type.Boolean(),
});
export const ActionExecutionJson = Type.Object({
  url: Str,
  html_url: Str,
  action_execution_id: Str,
  status: Str,
  progress: Type.Integer(),
  action: ActionShort,
  start_date: Nullable(Str),
  finish_date: Nullable(Str),
  error_message: Nullable(Str),
  attempts: Type.Integer(),
});
export const ActionExecutionDetailJson = Type.Object(
  {
    ...ActionExecutionJson.properties,
    log: Type.Array(Str),
    log_offset: Type.Integer(),
    log_total_lines: Type.Integer(),
  },
  { $id: 'ActionExecution' },
);
export const ExecutionJson = Type.Object(
  {
    url: Str,
    html_url: Str,
    id: Type.Integer(),
    start_date: Nullable(Str),
    finish_date: Nullable(Str),
    status: Str,
    triggeredOn: Str,
    mode: Str,
    /** What started it (Archway's; Buddy shows it only in its UI): MANUAL, PUSH, SCHEDULE or WEBHOOK, the ref, who. */
    trigger: Type.Object({ type: Str, ref: Nullable(Str), by: Nullable(Str) }),
    priority: Str,
    refresh: Type.Boolean(),
    clear_cache: Type.Boolean(),
    comment: Nullable(Str),
    branch: Nullable(Type.Object({ url: Str, html_url: Str, name: Str, default: Type.Boolean() })),
    to_revision: Nullable(RevisionJson),
    creator: MemberJson,
    pipeline: PipelineShortJson,
    action_executions: Type.Array(ActionExecutionJson),
    error_message: Nullable(Str),
  },
  { $id: 'Execution' },
);
export const ExecutionListJson = Type.Object({
  url: Str,
  html_url: Str,
  page: Type.Integer(),
  page_size: Type.Integer(),
  total_page_count: Type.Integer(),
  element_count: Type.Integer(),
  total_element_count: Type.Integer(),
  executions: Type.Array(ExecutionJson),
});

export interface ExecutionContext {
  urls: Urls;
  domain: string;
  project: Project;
  pipeline: Pipeline;
}

function revisionJson(c: ExecutionContext, r: Revision): Static<typeof RevisionJson> {
  const path = `${paths.project(c.domain, c.project.name)}/repository/commits/${r.sha}`;
  return {
    url: c.urls.api(path),
    html_url: c.urls.html(`${paths.htmlProject(c.domain, c.project.name)}/repository/commit/${r.sha}`),
    revision: r.sha,
    author_date: r.authorDate,
    commit_date: r.commitDate,
    message: r.message,
    author: { name: r.authorName, email: r.authorEmail },
    committer: { name: r.committerName, email: r.committerEmail },
  };
}

function executionHtml(c: ExecutionContext, e: Execution): string {
  return c.urls.html(`${paths.htmlPipeline(c.domain, c.project.name, c.pipeline.id)}/execution/${e.id}`);
}

export function actionExecutionJson(
  c: ExecutionContext,
  e: Execution,
  a: ActionExecution,
): Static<typeof ActionExecutionJson> {
  const base = paths.pipeline(c.domain, c.project.name, c.pipeline.id);
  return {
    url: c.urls.api(`${base}/executions/${e.id}/action_executions/${a.hexId}`),
    html_url: `${executionHtml(c, e)}/?actionExecutionId=${a.hexId}`,
    action_execution_id: a.hexId,
    status: a.status,
    progress: a.progress,
    action: {
      url: c.urls.api(paths.action(c.domain, c.project.name, c.pipeline.id, a.action.id)),
      html_url: c.urls.html(paths.htmlAction(c.domain, c.project.name, a.action.id)),
      id: a.action.id,
      name: a.action.name,
      type: a.action.type,
      trigger_time: a.action.triggerTime,
      disabled: a.action.disabled,
      ignore_errors: a.action.ignoreErrors,
    },
    start_date: iso(a.startDate),
    finish_date: iso(a.finishDate),
    error_message: a.errorMessage,
    attempts: a.attempts,
  };
}

/** The v1.0 `mode` of an execution, from what started it. */
const LEGACY_MODE = { MANUAL: 'MANUAL', PUSH: 'ON_EVERY_PUSH', SCHEDULE: 'SCHEDULED', WEBHOOK: 'MANUAL' } as const;

export function executionJson(c: ExecutionContext, v: ExecutionView, creator: User): Static<typeof ExecutionJson> {
  const e = v.execution;
  const branch = e.revision?.branch ?? e.requestedBranch;
  return {
    url: c.urls.api(`${paths.pipeline(c.domain, c.project.name, c.pipeline.id)}/executions/${e.id}`),
    html_url: executionHtml(c, e),
    id: e.id,
    start_date: iso(e.startDate),
    finish_date: iso(e.finishDate),
    status: e.status,
    triggeredOn: e.triggeredOn,
    mode: LEGACY_MODE[e.trigger.type],
    trigger: e.trigger,
    priority: e.priority,
    refresh: e.refresh,
    clear_cache: e.clearCache,
    comment: e.comment,
    branch: branch
      ? {
          url: c.urls.api(
            `${paths.project(c.domain, c.project.name)}/repository/branches/${encodeURIComponent(branch)}`,
          ),
          html_url: c.urls.html(
            `${paths.htmlProject(c.domain, c.project.name)}/repository/branch/${encodeURIComponent(branch)}`,
          ),
          name: branch,
          default: branch === c.project.repository.defaultBranch,
        }
      : null,
    to_revision: e.revision && revisionJson(c, e.revision),
    creator: memberJson(c.urls, c.domain, creator),
    pipeline: pipelineShortJson(c.urls, c.domain, c.project.name, c.pipeline),
    action_executions: v.actions.map((a) => actionExecutionJson(c, e, a)),
    error_message: e.errorMessage,
  };
}

export function executionListJson(
  c: ExecutionContext,
  items: Array<Static<typeof ExecutionJson>>,
  page: { page: number; perPage: number },
  total: number,
) {
  return {
    url: c.urls.api(`${paths.pipeline(c.domain, c.project.name, c.pipeline.id)}/executions`),
    html_url: c.urls.html(paths.htmlPipeline(c.domain, c.project.name, c.pipeline.id)),
    page: page.page,
    page_size: page.perPage,
    total_page_count: Math.ceil(total / page.perPage),
    element_count: items.length,
    total_element_count: total,
    executions: items,
  };
}
