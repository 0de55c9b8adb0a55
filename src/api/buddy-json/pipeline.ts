import { Type, type Static, type TSchema } from 'typebox';
import type { PipelineInput, TriggerView } from '../../app/pipelines.js';
import { scheduleKey, scheduleOf } from '../../domain/schedule.js';
import { CACHE_SCOPES, EVENT_TYPES, PRIORITIES, type Pipeline, type PipelineEvent } from '../../domain/pipeline.js';
import type { User } from '../../domain/token.js';
import { DateString, listEnvelope, Nullable } from './common.js';
import { Int, LIMITS, List, LongText, Name, OpenObject, UrlText } from './limits.js';
import { MemberJson, memberJson } from './member.js';
import { ProjectShortJson, projectShortJson } from './project.js';
import type { Project } from '../../domain/project.js';
import { paths, type Urls } from './urls.js';

const Event = Type.Object(
  { type: Type.Enum([...EVENT_TYPES]), refs: Type.Optional(Type.Array(Type.String())) },
  { additionalProperties: true },
);
/** A trigger condition (of a pipeline or an action) as a request sends it: kept as given, one level deep. */
export const TriggerConditionBody = OpenObject({});
/** An event as a request sends it: its type, refs, and its own fields (cron, delay, PR events, ...) as values. */
const EventBody = OpenObject({ type: Type.Enum([...EVENT_TYPES]), refs: Type.Optional(List(Name())) });

/** Options Archway keeps and returns as given (it does not act on them yet), with their types. */
const OPTIONS: Record<string, TSchema> = {
  cpu: Type.Enum(['X64', 'ARM']),
  always_from_scratch: Type.Boolean(),
  fail_on_prepare_env_warning: Type.Boolean(),
  fetch_all_refs: Type.Boolean(),
  auto_clear_cache: Type.Boolean(),
  no_skip_to_most_recent: Type.Boolean(),
  do_not_create_commit_status: Type.Boolean(),
  ignore_fail_on_project_status: Type.Boolean(),
  concurrent_pipeline_runs: Type.Boolean(),
  description_required: Type.Boolean(),
  paused: Type.Boolean(),
  disabled_reason: Nullable(LongText()),
  clone_depth: Int(0),
  worker: Nullable(Name()),
  tags: List(Name()),
  target_site_url: Nullable(UrlText()),
  execution_message_template: LongText(),
  pause_on_repeated_failures: Type.Integer({ minimum: 1, maximum: 100 }),
  definition_source: Type.Enum(['LOCAL', 'REMOTE']),
  git_config_ref: Type.Enum(['NONE', 'DYNAMIC', 'FIXED']),
  git_changeset_base: Type.Enum(['LATEST_RUN', 'LATEST_RUN_MATCHING_REF', 'PULL_REQUEST']),
  filesystem_changeset_base: Type.Enum(['DATE_MODIFIED', 'CONTENTS']),
  folder: Nullable(Name()),
  run_always: Type.Boolean(),
};
const OPTION_DEFAULTS: Record<string, unknown> = {
  execution_message_template: '$BUDDY_EXECUTION_REVISION_SUBJECT',
  clone_depth: 0,
};

const triggerFields = {
  refs: Type.Optional(List(Name())),
  events: Type.Optional(List(EventBody, LIMITS.entries)),
  trigger_conditions: Type.Optional(List(TriggerConditionBody, LIMITS.entries)),
};
export const PipelineBody = Type.Object({
  name: Type.Optional(Name()),
  identifier: Type.Optional(Name()),
  cache_scope: Type.Optional(Type.Enum([...CACHE_SCOPES])),
  priority: Type.Optional(Type.Enum([...PRIORITIES])),
  disabled: Type.Optional(Type.Boolean()),
  ...triggerFields,
  trigger_mode: Type.Optional(Type.Enum(['MANUAL', 'SCHEDULED', 'ON_EVERY_PUSH'])),
  ref_name: Type.Optional(Name()),
  on: Type.Optional(Type.Enum(['CLICK', 'EVENT', 'SCHEDULE'])),
  cron: Type.Optional(Name()),
  start_date: Type.Optional(Name()),
  delay: Type.Optional(Int(1)),
  ...Object.fromEntries(Object.entries(OPTIONS).map(([k, s]) => [k, Type.Optional(s)])),
});
export type PipelineBody = Static<typeof PipelineBody>;

export const PipelineShortJson = Type.Object({
  url: Type.String(),
  html_url: Type.String(),
  id: Type.Integer(),
  identifier: Type.String(),
  name: Type.String(),
  last_execution_status: Type.String(),
  last_execution_revision: Nullable(Type.String()),
});
export const PipelineJson = Type.Object(
  {
    ...PipelineShortJson.properties,
    create_date: DateString,
    creator: MemberJson,
    project: ProjectShortJson,
    cache_scope: Type.String(),
    priority: Type.String(),
    disabled: Type.Boolean(),
    refs: Type.Array(Type.String()),
    events: Type.Array(Event),
    trigger_conditions: Type.Array(Type.Record(Type.String(), Type.Unknown())),
    on: Type.String(),
    trigger_mode: Type.String(),
    ref_name: Nullable(Type.String()),
    cron: Nullable(Type.String()),
    start_date: Nullable(Type.String()),
    delay: Nullable(Type.Integer()),
    /** Archway's: when the next scheduled run starts (the earliest of its unpaused schedules), or null. */
    next_run_date: Nullable(Type.String()),
    ...Object.fromEntries(Object.entries(OPTIONS).map(([k, s]) => [k, Type.Optional(s)])),
  },
  { $id: 'Pipeline' },
);
export const PipelineListJson = listEnvelope('pipelines', PipelineShortJson);

function scheduleEvent(b: PipelineBody): PipelineEvent {
  const details: Record<string, unknown> = {};
  for (const key of ['cron', 'start_date', 'delay'] as const) if (b[key] !== undefined) details[key] = b[key];
  return { type: 'SCHEDULE', refs: [], details };
}

/** The three trigger generations (legacy trigger_mode/ref_name, v1.1 on/refs, current events) into events. */
function eventsOf(b: PipelineBody): PipelineEvent[] | undefined {
  if (b.events) return b.events.map(({ type, refs, ...details }) => ({ type, refs: refs ?? [], details }));
  const refs = b.refs ?? (b.ref_name ? [b.ref_name] : []);
  if (b.trigger_mode === 'ON_EVERY_PUSH' || b.on === 'EVENT') return [{ type: 'PUSH', refs, details: {} }];
  if (b.trigger_mode === 'SCHEDULED' || b.on === 'SCHEDULE') return [scheduleEvent(b)];
  if (b.trigger_mode === 'MANUAL' || b.on === 'CLICK') return [];
  return undefined;
}

export function pipelineInput(b: PipelineBody): PipelineInput {
  const given = b as Record<string, unknown>;
  const options = Object.fromEntries(
    Object.keys(OPTIONS)
      .filter((k) => given[k] !== undefined)
      .map((k) => [k, given[k]]),
  );
  return {
    name: b.name,
    identifier: b.identifier,
    cacheScope: b.cache_scope,
    priority: b.priority,
    disabled: b.disabled,
    refs: b.refs ?? (b.ref_name !== undefined ? [b.ref_name] : undefined),
    events: eventsOf(b),
    triggerConditions: b.trigger_conditions,
    options: Object.keys(options).length ? options : undefined,
  };
}

export function pipelineShortJson(
  urls: Urls,
  domain: string,
  projectName: string,
  p: Pipeline,
): Static<typeof PipelineShortJson> {
  return {
    url: urls.api(paths.pipeline(domain, projectName, p.id)),
    html_url: urls.html(paths.htmlPipeline(domain, projectName, p.id)),
    id: p.id,
    identifier: p.identifier,
    name: p.name,
    last_execution_status: p.lastExecutionStatus,
    last_execution_revision: p.lastExecutionRevision,
  };
}

/** Where the pipeline's webhook trigger is called (the token in the query, as Buddy's trigger URLs have it). */
export function webhookTriggerUrl(urls: Urls, domain: string, projectName: string, id: number, token: string): string {
  return urls.html(`${paths.htmlPipeline(domain, projectName, id)}/trigger-webhook?token=${encodeURIComponent(token)}`);
}

/**
 * An event as the API shows it: a SCHEDULE event with its next run and its pause (when one), a WEBHOOK event with
 * its trigger URL for callers who may manage the pipeline (never for readers: the URL is the credential).
 */
function eventJson(e: PipelineEvent, urls: Urls, domain: string, projectName: string, p: Pipeline, t?: TriggerView) {
  const json: Record<string, unknown> = { ...e.details, type: e.type, refs: e.refs };
  if (e.type === 'SCHEDULE' && t) {
    const schedule = scheduleOf(e);
    const state = 'error' in schedule ? undefined : t.schedules.find((s) => s.key === scheduleKey(schedule));
    json.next_run_date = state?.pausedReason || p.disabled ? null : (state?.nextAt?.toISOString() ?? null);
    if (state?.pausedReason) json.paused_reason = state.pausedReason;
  }
  if (e.type === 'WEBHOOK' && t?.webhookToken)
    json.webhook_url = webhookTriggerUrl(urls, domain, projectName, p.id, t.webhookToken);
  return json;
}

export function pipelineJson(
  urls: Urls,
  domain: string,
  project: Project,
  p: Pipeline,
  creator: User,
  triggers?: TriggerView,
): Static<typeof PipelineJson> {
  const schedule = p.events.find((e) => e.type === 'SCHEDULE');
  const push = p.events.find((e) => e.type === 'PUSH');
  const detail = (key: string) => (schedule?.details[key] ?? null) as never;
  return {
    ...OPTION_DEFAULTS,
    ...p.options,
    ...pipelineShortJson(urls, domain, project.name, p),
    create_date: p.createdAt.toISOString(),
    creator: memberJson(urls, domain, creator),
    project: projectShortJson(urls, domain, project),
    cache_scope: p.cacheScope,
    priority: p.priority,
    disabled: p.disabled,
    refs: p.refs,
    events: p.events.map((e) => eventJson(e, urls, domain, project.name, p, triggers)) as Static<typeof Event>[],
    trigger_conditions: p.triggerConditions,
    on: schedule ? 'SCHEDULE' : p.events.length ? 'EVENT' : 'CLICK',
    trigger_mode: schedule ? 'SCHEDULED' : push ? 'ON_EVERY_PUSH' : 'MANUAL',
    ref_name: push?.refs[0] ?? p.refs[0] ?? null,
    cron: detail('cron'),
    start_date: detail('start_date'),
    delay: detail('delay'),
    next_run_date: p.disabled ? null : nextRunOf(triggers),
  };
}

function nextRunOf(t: TriggerView | undefined): string | null {
  const ticks = (t?.schedules ?? []).filter((s) => !s.pausedReason && s.nextAt).map((s) => s.nextAt!.getTime());
  return ticks.length ? new Date(Math.min(...ticks)).toISOString() : null;
}

export function pipelineListJson(urls: Urls, domain: string, projectName: string, list: Pipeline[]) {
  return {
    url: urls.api(paths.pipelines(domain, projectName)),
    html_url: urls.html(paths.htmlPipelines(domain, projectName)),
    pipelines: list.map((p) => pipelineShortJson(urls, domain, projectName, p)),
  };
}
