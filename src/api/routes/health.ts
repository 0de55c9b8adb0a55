import { Type } from 'typebox';
import type { App } from './deps.js';

/** Each check's failure, or null when it passes (database reachable, migrations applied, notifications heard). */
export type Readiness = () => Promise<Record<string, string | null>>;

const READINESS_CACHE_MS = 1_000;
const Checks = Type.Record(Type.String(), Type.String());
const Health = Type.Object({ status: Type.String() });
const Ready = Type.Object({ status: Type.String(), checks: Checks });
const NotReady = Type.Object({
  status: Type.String(),
  checks: Checks,
  errors: Type.Array(Type.Object({ message: Type.String() })),
});

/**
 * For load balancers and orchestrators, without a token (they have none; the answers name no resource).
 * `/healthz`: the process answers. `/readyz`: it should be sent traffic — 503 naming what fails while the database
 * is unreachable, a migration is missing, notifications from the other replicas are not heard, or the server is
 * shutting down (it finishes what it has, new work goes to the other replicas).
 */
export function healthRoutes(app: App, opts: { readiness: Readiness; closing: AbortSignal }): void {
  const config = { public: true };
  // Public routes have no token to rate-limit by: the checks (two queries) run at most once a second, whoever asks.
  let last: { at: number; result: ReturnType<Readiness> } | undefined;
  const readiness = () => {
    if (!last || Date.now() - last.at >= READINESS_CACHE_MS) last = { at: Date.now(), result: opts.readiness() };
    return last.result;
  };
  app.get(
    '/healthz',
    { schema: { tags: ['Health'], summary: 'Liveness', response: { 200: Health } }, config },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    { schema: { tags: ['Health'], summary: 'Readiness', response: { 200: Ready, 503: NotReady } }, config },
    async (_req, reply) => {
      const found = { ...(await readiness()) };
      if (opts.closing.aborted) found.shutdown = 'the server is shutting down';
      const failing = Object.entries(found).filter((e): e is [string, string] => e[1] !== null);
      const checks = Object.fromEntries(Object.entries(found).map(([name, failure]) => [name, failure ?? 'ok']));
      if (failing.length === 0) return { status: 'ready', checks };
      return reply.status(503).send({
        status: 'not ready',
        checks,
        errors: failing.map(([name, failure]) => ({ message: `${name}: ${failure}` })),
      });
    },
  );
}
