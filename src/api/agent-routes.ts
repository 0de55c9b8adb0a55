import { Type } from 'typebox';
import type { Agent } from '../app/ports/agent-repo.js';
import { UnauthorizedError } from '../domain/errors.js';
import type { App, RouteDeps } from './routes/deps.js';
import { callerOf } from './auth.js';

declare module 'fastify' {
  interface FastifyRequest {
    agent?: Agent;
  }
}

const CLAIM_WAIT_MS = 25_000;
const JobParams = Type.Object({ id: Type.Integer() });
const Attempt = { attempt: Type.Integer({ minimum: 1 }) };

/**
 * The agent protocol (always HTTP, also for the built-in agent): claim (long-poll), heartbeat, logs, finish.
 * Authenticated by agent tokens, not user tokens; registering an agent needs a user token with WORKSPACES_MANAGE.
 */
export function agentRoutes(app: App, { useCases }: RouteDeps, opts: { claimWaitMs?: number } = {}): void {
  const jobs = useCases.agentJobs;
  const agent = (req: { agent?: Agent }) => {
    if (!req.agent) throw new UnauthorizedError('Missing or invalid agent token.');
    return req.agent;
  };
  app.register(async (scoped) => {
    scoped.addHook('onRequest', async (req) => {
      const header = req.headers.authorization;
      req.agent = await jobs.authenticate(header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined);
    });
    const s = scoped as unknown as App;
    const config = { agent: true };
    s.post('/agent/v1/jobs/claim', { schema: { hide: true }, config }, async (req, reply) => {
      const controller = new AbortController();
      // The response's close, not the request's: since Node 16 a request emits 'close' as soon as its body has
      // been read, which ended every long-poll at once (seen: 800 claims in 4 s from one idle agent).
      reply.raw.on('close', () => controller.abort());
      const job = await jobs.claim(agent(req), opts.claimWaitMs ?? CLAIM_WAIT_MS, controller.signal);
      if (!job) return reply.status(204).send();
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
          }),
        },
        config,
      },
      async (req, reply) => {
        await jobs.finish(agent(req), req.params.id, req.body.attempt, {
          status: req.body.status,
          error: req.body.error ?? null,
        });
        return reply.status(204).send();
      },
    );
  });
  app.post(
    '/agent/v1/agents',
    {
      schema: {
        tags: ['Agents'],
        body: Type.Object({ name: Type.String({ minLength: 1 }), labels: Type.Optional(Type.Array(Type.String())) }),
      },
      config: { scope: 'WORKSPACES_MANAGE' },
    },
    async (req, reply) => {
      callerOf(req);
      const { agent: created, token } = await jobs.registerAgent(req.body.name, req.body.labels ?? []);
      return reply.status(201).send({ id: created.id, name: created.name, labels: created.labels, token });
    },
  );
}
