import { Type } from 'typebox';
import type { Agent, HeldJob } from '../app/ports/agent-repo.js';
import { RateLimitedError, UnauthorizedError } from '../domain/errors.js';
import { PLATFORMS } from '../domain/platform.js';
import type { RateLimiter } from './rate-limit.js';
import type { AgentUseCases, AgentView } from '../app/agents.js';
import { errorResponses, type App, type RouteDeps } from './routes/deps.js';
import { callerOf, countingFailures } from './auth.js';
import { LIMITS, Name, Text } from './buddy-json/limits.js';
import { paths, type Urls } from './buddy-json/urls.js';

declare module 'fastify' {
  interface FastifyRequest {
    agent?: Agent;
  }
}

const CLAIM_WAIT_MS = 25_000;
const JobParams = Type.Object({ id: Type.Integer() });
const Attempt = { attempt: Type.Integer({ minimum: 1 }) };
const PlatformJson = Type.Enum([...PLATFORMS]);
const Digest = Type.String({ pattern: '^sha256:[0-9a-f]{64}$' });
const PlatformImageJson = Type.Object(
  {
    platform: PlatformJson,
    digest: Digest,
    emulated: Type.Boolean(),
    durationMs: Type.Integer({ minimum: 0 }),
    cachedSteps: Type.Integer({ minimum: 0 }),
    totalSteps: Type.Integer({ minimum: 0 }),
    sizeBytes: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    mediaType: Type.String({ maxLength: 200, pattern: '^[a-z0-9.+/-]+$' }),
    manifestSize: Type.Integer({ minimum: 1, maximum: 4 * 1024 * 1024 }),
  },
  { additionalProperties: false },
);
const PlatformList = Type.Array(PlatformJson, { maxItems: PLATFORMS.length * 2 });
/** What an agent runs, as it says at start and as the list shows it (the native set there is the effective one). */
const PlatformsJson = {
  host_platform: Type.Union([PlatformJson, Type.Null()]),
  native_platforms: PlatformList,
  emulated_platforms: PlatformList,
};

/**
 * The agent protocol (always HTTP, also for the built-in agent): claim (long-poll), heartbeat, logs, finish.
 * Authenticated by agent tokens, not user tokens; registering an agent needs a user token with WORKSPACES_MANAGE.
 */
export function agentRoutes(
  app: App,
  { useCases, closing, urls }: RouteDeps,
  opts: { claimWaitMs?: number; failures: RateLimiter; limiter: RateLimiter },
): void {
  const jobs = useCases.agentJobs;
  const agent = (req: { agent?: Agent }) => {
    if (!req.agent) throw new UnauthorizedError('Missing or invalid agent token.');
    return req.agent;
  };
  app.register(async (scoped) => {
    // The same guard as user routes: failed agent authentications count per address, requests per agent.
    scoped.addHook('onRequest', async (req) => {
      const header = req.headers.authorization;
      const agent = await countingFailures(opts.failures, req.ip, () =>
        jobs.authenticate(header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined),
      );
      req.agent = agent;
      const state = opts.limiter.hit(`a:${agent.id}`);
      if (state.exceeded) throw new RateLimitedError(state.reset, 'agent');
    });
    const s = scoped as unknown as App;
    const config = { agent: true };
    // At start: what the agent runs. Answered with what routing will use (its platform= labels win).
    s.post('/agent/v1/hello', { schema: { hide: true, body: Type.Object(PlatformsJson) }, config }, async (req) => {
      const seen = await jobs.hello(agent(req), {
        hostPlatform: req.body.host_platform,
        native: [...new Set(req.body.native_platforms)],
        emulated: [...new Set(req.body.emulated_platforms)],
      });
      return agentJson(urls)(await useCases.agents.asSeen(seen));
    });
    s.post('/agent/v1/jobs/claim', { schema: { hide: true }, config }, async (req, reply) => {
      const controller = new AbortController();
      // The response's close, not the request's: since Node 16 a request emits 'close' as soon as its body has
      // been read, which ended every long-poll at once (seen: 800 claims in 4 s from one idle agent).
      reply.raw.on('close', () => controller.abort());
      // Shutting down: the wait ends at once and the agent, told to close the connection, claims elsewhere.
      const waiting = AbortSignal.any([controller.signal, closing]);
      const job = await jobs.claim(agent(req), opts.claimWaitMs ?? CLAIM_WAIT_MS, waiting);
      if (!job)
        return closing.aborted ? reply.header('connection', 'close').status(204).send() : reply.status(204).send();
      // A hang-up that raced the claim is only seen after one turn of the event loop's I/O phase; a job
      // answered into a closed socket would otherwise sit RUNNING until its lease ends as "agent lost".
      await new Promise((resolve) => setImmediate(resolve));
      if (controller.signal.aborted) {
        await jobs.release(agent(req), job.jobId, job.attempt);
        return reply.status(204).send();
      }
      return job;
    });
    s.post(
      '/agent/v1/jobs/:id/heartbeat',
      {
        schema: {
          hide: true,
          params: JobParams,
          body: Type.Object({ ...Attempt, progress: Type.Optional(Type.Number()) }),
        },
        config,
      },
      async (req) => jobs.heartbeat(agent(req), req.params.id, req.body.attempt, req.body.progress),
    );
    s.post(
      '/agent/v1/jobs/:id/logs',
      {
        schema: {
          hide: true,
          params: JobParams,
          body: Type.Object({
            ...Attempt,
            offset: Type.Integer({ minimum: 0 }),
            lines: Type.Array(Type.String(), { maxItems: 5000 }),
          }),
        },
        config,
      },
      async (req) => jobs.appendLogs(agent(req), req.params.id, req.body.attempt, req.body.offset, req.body.lines),
    );
    s.post(
      '/agent/v1/jobs/:id/finish',
      {
        schema: {
          hide: true,
          params: JobParams,
          body: Type.Object({
            ...Attempt,
            status: Type.Enum(['SUCCESSFUL', 'FAILED', 'TERMINATED']),
            error: Type.Optional(Type.Union([Type.String(), Type.Null()])),
            /** What a platform part pushed by digest (its agent says; the index job verifies it in the registry). */
            result: Type.Optional(Type.Union([PlatformImageJson, Type.Null()])),
          }),
        },
        config,
      },
      async (req, reply) => {
        await jobs.finish(agent(req), req.params.id, req.body.attempt, {
          status: req.body.status,
          error: req.body.error ?? null,
          result: req.body.result ?? null,
        });
        return reply.status(204).send();
      },
    );
  });
  agentRegistry(app, useCases.agents, urls);
}

const AgentJson = Type.Object({
  id: Type.String(),
  name: Type.String(),
  labels: Type.Array(Type.String()),
  /** Domains of the workspaces it serves; null: every workspace. */
  workspaces: Type.Union([Type.Array(Type.String()), Type.Null()]),
  created_at: Type.String(),
  last_seen_at: Type.Union([Type.String(), Type.Null()]),
  /** The same time as last_seen_at (the name issue 14 gives it). */
  last_seen: Type.Union([Type.String(), Type.Null()]),
  /** Seen in the last 60 s: counted for routing. */
  known: Type.Boolean(),
  ...PlatformsJson,
  /** The RUNNING jobs it holds now. */
  building: Type.Array(
    Type.Object({
      job_id: Type.Integer(),
      attempt: Type.Integer(),
      /** BUILD: the whole action; PLATFORM: one platform of a fanned-out build; INDEX: its index. */
      kind: Type.Union([Type.Literal('BUILD'), Type.Literal('PLATFORM'), Type.Literal('INDEX')]),
      /** The platform a PLATFORM job builds; null for the others. */
      platform: Type.Union([Type.String(), Type.Null()]),
      execution_id: Type.Integer(),
      action_execution_id: Type.Integer(),
      action_id: Type.Integer(),
      pipeline_id: Type.Integer(),
      project_name: Type.String(),
      workspace_domain: Type.String(),
      /** The execution in the API. */
      url: Type.String(),
    }),
  ),
});
const heldJson = (urls: Urls) => (j: HeldJob) => ({
  job_id: j.jobId,
  attempt: j.attempt,
  kind: j.kind,
  platform: j.platform,
  execution_id: j.executionId,
  action_execution_id: j.actionExecutionId,
  action_id: j.actionId,
  pipeline_id: j.pipelineId,
  project_name: j.projectName,
  workspace_domain: j.workspaceDomain,
  url: urls.api(`${paths.pipeline(j.workspaceDomain, j.projectName, j.pipelineId)}/executions/${j.executionId}`),
});
const agentJson = (urls: Urls) => (a: AgentView) => ({
  id: a.id,
  name: a.name,
  labels: a.labels,
  workspaces: a.workspaces,
  created_at: a.createdAt.toISOString(),
  last_seen_at: a.lastSeenAt?.toISOString() ?? null,
  last_seen: a.lastSeenAt?.toISOString() ?? null,
  known: a.known,
  host_platform: a.effective.hostPlatform,
  native_platforms: a.effective.native,
  emulated_platforms: a.effective.emulated,
  building: a.building.map(heldJson(urls)),
});

/** Registering, listing and deleting agents: user tokens with WORKSPACES_MANAGE, within their workspaces. */
function agentRegistry(app: App, agents: AgentUseCases, urls: Urls): void {
  const toJson = agentJson(urls);
  const tags = ['Agents'];
  const config = { scope: 'WORKSPACES_MANAGE' as const };
  const AgentParams = Type.Object({ id: Text(100) });
  app.post(
    '/agent/v1/agents',
    {
      schema: {
        tags,
        body: Type.Object({
          name: Name({ minLength: 1 }),
          labels: Type.Optional(Type.Array(Name(), { maxItems: 50 })),
          workspaces: Type.Optional(Type.Array(Name(), { maxItems: LIMITS.items })),
        }),
        response: { 201: Type.Intersect([AgentJson, Type.Object({ token: Type.String() })]), ...errorResponses },
      },
      config,
    },
    async (req, reply) => {
      const { agent, token } = await agents.register(callerOf(req), {
        name: req.body.name,
        labels: req.body.labels ?? [],
        ...(req.body.workspaces && { workspaces: req.body.workspaces }),
      });
      return reply.status(201).send({ ...toJson(agent), token });
    },
  );
  app.get(
    '/agent/v1/agents',
    { schema: { tags, response: { 200: Type.Object({ agents: Type.Array(AgentJson) }), ...errorResponses } }, config },
    async (req) => ({ agents: (await agents.list(callerOf(req))).map(toJson) }),
  );
  app.get(
    '/agent/v1/agents/:id',
    { schema: { tags, params: AgentParams, response: { 200: AgentJson, ...errorResponses } }, config },
    async (req) => toJson(await agents.get(callerOf(req), req.params.id)),
  );
  app.delete(
    '/agent/v1/agents/:id',
    { schema: { tags, params: AgentParams, response: { 204: Type.Null(), ...errorResponses } }, config },
    async (req, reply) => {
      await agents.remove(callerOf(req), req.params.id);
      return reply.status(204).send(null);
    },
  );
}
