import { randomBytes } from 'node:crypto';
import { ValidationError } from '../domain/errors.js';
import { grants } from '../domain/scopes.js';
import { assertHandle, handleFromDisplayName } from '../domain/names.js';
import type { Pipeline } from '../domain/pipeline.js';
import { assignDefined } from './assign-defined.js';
import { pipelineAt, projectAt } from './resolve-path.js';
import { type Caller } from './caller.js';
import type { NewPipeline, Store } from './ports/store.js';
import type { Page } from './ports/page.js';
import type { Clock } from './ports/clock.js';
import { syncSchedules } from './scheduler.js';
import type { Secrets } from './ports/secrets.js';
import type { ScheduleState } from './ports/trigger-repo.js';
import { ownerIn } from './sealing.js';
import { scheduleOf } from '../domain/schedule.js';
import { invalidTriggerCondition } from '../domain/trigger-conditions.js';

export type PipelineInput = Partial<
  Pick<
    Pipeline,
    'name' | 'identifier' | 'cacheScope' | 'priority' | 'disabled' | 'refs' | 'events' | 'triggerConditions' | 'options'
  >
>;

/** A pipeline together with the path that leads to it (for urls and scope checks). */
export interface PipelinePath {
  domain: string;
  projectName: string;
  projectId: number;
}

/** A pipeline whose events a git change fires: its project's refs are polled (the first poll only records). */
const watchesGit = (p: Pipeline) => p.events.some((e) => ['PUSH', 'CREATE_REF', 'DELETE_REF'].includes(e.type));

/** Triggers Archway cannot act on are refused, never kept as if they worked. */
function checkTriggers(p: Pick<Pipeline, 'events' | 'triggerConditions'>): void {
  for (const event of p.events) {
    if (event.type === 'PULL_REQUEST' || event.type === 'EMAIL')
      throw new ValidationError(
        `${event.type} events are not supported: Archway reads no ${event.type === 'EMAIL' ? 'mailbox' : "git host's pull requests"}. Use PUSH, CREATE_REF, DELETE_REF, SCHEDULE or WEBHOOK.`,
      );
    if (event.type === 'SCHEDULE') {
      const schedule = scheduleOf(event);
      if ('error' in schedule) throw new ValidationError(schedule.error);
    }
  }
  const condition = invalidTriggerCondition(p.triggerConditions);
  if (condition) throw new ValidationError(condition);
}

/** The state of a pipeline's triggers as its page and JSON show them. */
export interface TriggerView {
  schedules: ScheduleState[];
  /** The webhook trigger's token, only for a caller who may manage the pipeline; null otherwise or when none. */
  webhookToken: string | null;
}

export function createPipelineUseCases(store: Store, secrets: Secrets, clock: Clock) {
  const tokenOwner = (workspaceId: number) => ownerIn(workspaceId, 'pipeline.webhook-token');
  /** A pipeline with a WEBHOOK event gets its token the first time (256 bits, sealed); `renew` makes a new one. */
  /** The webhook trigger's token in plain text (for checking a trigger call), or null. */
  function webhookToken(pipeline: Pipeline, workspaceId: number): string | null {
    return pipeline.webhookTokenSealed && secrets.open(pipeline.webhookTokenSealed, tokenOwner(workspaceId));
  }
  function withWebhookToken<T extends NewPipeline>(p: T, workspaceId: number, renew = false): T {
    if (!p.events.some((e) => e.type === 'WEBHOOK') || (p.webhookTokenSealed && !renew)) return p;
    return { ...p, webhookTokenSealed: secrets.seal(randomBytes(32).toString('base64url'), tokenOwner(workspaceId)) };
  }

  async function projectOf(caller: Caller, domain: string, projectName: string) {
    return (await projectAt(store, caller, domain, projectName)).project;
  }

  async function find(caller: Caller, domain: string, projectName: string, id: number): Promise<Pipeline> {
    return (await pipelineAt(store, caller, domain, projectName, id)).pipeline;
  }

  function apply<T extends NewPipeline>(pipeline: T, input: PipelineInput): T {
    const next = assignDefined<T>(pipeline, input as Partial<T>);
    if (input.options) next.options = { ...pipeline.options, ...input.options };
    if (next.name.trim() === '') throw new ValidationError('"name" must not be empty.');
    assertHandle('identifier', next.identifier);
    checkTriggers(next);
    return next;
  }

  return {
    projectOf,
    async create(caller: Caller, domain: string, projectName: string, input: PipelineInput): Promise<Pipeline> {
      const project = await projectOf(caller, domain, projectName);
      if (!input.name?.trim()) throw new ValidationError('"name" is required.');
      const blank: NewPipeline = {
        projectId: project.id,
        name: input.name.trim(),
        identifier: handleFromDisplayName(input.name) || 'pipeline',
        creatorId: caller.user.id,
        cacheScope: 'PIPELINE',
        priority: 'NORMAL',
        disabled: false,
        refs: [],
        events: [],
        triggerConditions: [],
        options: {},
        webhookTokenSealed: null,
      };
      const pipeline = withWebhookToken(apply(blank, input), project.workspaceId);
      return store.transaction(async (tx) => {
        const created = await tx.pipelines.create(pipeline);
        await syncSchedules(tx, created, clock.now(), false);
        if (watchesGit(created)) await tx.gitRefs.ensurePoll(created.projectId, clock.now());
        return created;
      });
    },
    get: find,
    async list(caller: Caller, domain: string, projectName: string, page: Page): Promise<Pipeline[]> {
      const project = await projectOf(caller, domain, projectName);
      return store.pipelines.list({ projectId: project.id }, page);
    },
    async update(
      caller: Caller,
      domain: string,
      projectName: string,
      id: number,
      input: PipelineInput,
    ): Promise<Pipeline> {
      const pipeline = await find(caller, domain, projectName, id);
      const project = (await store.projects.find(pipeline.projectId))!;
      const next = withWebhookToken(apply(pipeline, input), project.workspaceId);
      // Inside a transaction only `tx` may be used: the embedded store has one connection.
      return store.transaction(async (tx) => {
        if (next.cacheScope !== pipeline.cacheScope && next.cacheScope === 'PIPELINE') {
          const actions = await tx.actions.list(pipeline.id, { page: 1, perPage: 10_000 });
          const withMode = actions.filter((a) => a.build.cacheMode !== null).map((a) => `"${a.name}" (${a.id})`);
          if (withMode.length) {
            throw new ValidationError(
              `"cache_scope" PIPELINE leaves no "cache_mode" available, but these actions set one: ${withMode.join(', ')}. Remove their cache_mode first.`,
            );
          }
        }
        const updated = await tx.pipelines.update(next);
        if (input.events !== undefined || next.disabled !== pipeline.disabled)
          await syncSchedules(tx, updated, clock.now(), input.events !== undefined);
        if (watchesGit(updated)) await tx.gitRefs.ensurePoll(updated.projectId, clock.now());
        return updated;
      });
    },
    /** Replaces the webhook trigger's token: the old trigger URL stops working at once. */
    async renewWebhookToken(caller: Caller, domain: string, projectName: string, id: number): Promise<string> {
      const pipeline = await find(caller, domain, projectName, id);
      if (!pipeline.events.some((e) => e.type === 'WEBHOOK'))
        throw new ValidationError(`Pipeline ${id} has no WEBHOOK event, so it has no trigger URL.`);
      const project = (await store.projects.find(pipeline.projectId))!;
      const renewed = await store.pipelines.update(withWebhookToken(pipeline, project.workspaceId, true));
      return webhookToken(renewed, project.workspaceId)!;
    },
    webhookToken,
    async triggerView(caller: Caller, pipeline: Pipeline, workspaceId: number): Promise<TriggerView> {
      const manages = grants(caller.token.scopes, 'EXECUTION_MANAGE');
      return {
        schedules: await store.schedules.forPipeline(pipeline.id),
        webhookToken: manages ? webhookToken(pipeline, workspaceId) : null,
      };
    },
    async remove(caller: Caller, domain: string, projectName: string, id: number): Promise<void> {
      const pipeline = await find(caller, domain, projectName, id);
      await store.pipelines.remove(pipeline.id);
    },
  };
}
export type PipelineUseCases = ReturnType<typeof createPipelineUseCases>;
