import { timingSafeEqual, createHash } from 'node:crypto';
import { NotFoundError, ValidationError } from '../domain/errors.js';
import type { Execution } from '../domain/execution.js';
import type { PipelineUseCases } from './pipelines.js';
import type { Store } from './ports/store.js';
import type { RunStarter } from './run-start.js';
import type { RunInput } from './executions.js';

/** What a call of a pipeline's trigger URL may set (Buddy's parameters; custom variables must be `settable`). */
export interface WebhookRunRequest {
  revision?: string;
  branch?: string;
  tag?: string;
  comment?: string;
  clearCache?: boolean;
  fromScratch?: boolean;
  variables: { key: string; value: string }[];
}

/** Equal tokens in constant time (digests first: the comparison gives away no length). */
const sameToken = (a: string, b: string) =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

/**
 * Buddy's webhook trigger: the pipeline's trigger URL, with its token, starts a run (trigger WEBHOOK) as its
 * parameters say. The token is the credential: a call without one is refused before anything is read, and a wrong
 * token answers exactly as a pipeline that does not exist or has no WEBHOOK event (404), so the URL space tells a
 * caller nothing. A disabled pipeline starts nothing (400).
 */
export function createWebhookTrigger(deps: { store: Store; pipelines: PipelineUseCases; runs: RunStarter }) {
  const hidden = () => new NotFoundError('No webhook trigger at this address, or its token is wrong.');
  return {
    async run(
      at: { domain: string; projectName: string; pipelineId: number },
      token: string,
      request: WebhookRunRequest,
    ): Promise<Execution> {
      const path = await deps.store.paths.resolve(at);
      const { workspace, project, pipeline } = path;
      if (!workspace || !project || !pipeline) throw hidden();
      if (!pipeline.events.some((e) => e.type === 'WEBHOOK')) throw hidden();
      const expected = deps.pipelines.webhookToken(pipeline, workspace.id);
      if (!expected || !sameToken(expected, token)) throw hidden();
      if (request.branch && request.tag)
        throw new ValidationError('Send "branch" or "tag", not both: a run builds one ref.');
      const input: RunInput = {
        branch: request.branch ?? request.tag ?? null,
        revision: request.revision ?? null,
        comment: request.comment ?? null,
        clearCache: request.clearCache ?? false,
        refresh: request.fromScratch ?? false,
        variables: request.variables,
      };
      const ref = request.tag ? `refs/tags/${request.tag}` : request.branch ? `refs/heads/${request.branch}` : null;
      const run = await deps.runs.start(pipeline, project, input, {
        trigger: { type: 'WEBHOOK', ref, by: null },
        creatorId: pipeline.creatorId,
      });
      return run!;
    },
  };
}
export type WebhookTrigger = ReturnType<typeof createWebhookTrigger>;
