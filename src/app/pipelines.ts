import { ValidationError } from '../domain/errors.js';
import { assertHandle, handleFromDisplayName } from '../domain/names.js';
import type { Pipeline } from '../domain/pipeline.js';
import { assignDefined } from './assign-defined.js';
import { pipelineAt, projectAt } from './resolve-path.js';
import { type Caller } from './caller.js';
import type { NewPipeline, Store } from './ports/store.js';
import type { Page } from './ports/page.js';

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

export function createPipelineUseCases(store: Store) {
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
      return store.pipelines.create(apply(blank, input));
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
      const next = apply(pipeline, input);
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
        return tx.pipelines.update(next);
      });
    },
    async remove(caller: Caller, domain: string, projectName: string, id: number): Promise<void> {
      const pipeline = await find(caller, domain, projectName, id);
      await store.pipelines.remove(pipeline.id);
    },
  };
}
export type PipelineUseCases = ReturnType<typeof createPipelineUseCases>;
