import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { closeIdleConnectionsOnClose } from './idle-connections.js';
import type { UseCases } from '../app/use-cases.js';
import { ValidationError } from '../domain/errors.js';
import { registerAuth } from './auth.js';
import { ErrorBody } from './buddy-json/common.js';
import { createUrls } from './buddy-json/urls.js';
import { LIMITS } from './buddy-json/limits.js';
import {
  clientErrorResponse,
  describeSchemaIssues,
  handleError,
  handleFrameworkError,
  noSuchEndpoint,
} from './errors.js';
import { createRateLimiter } from './rate-limit.js';
import { createValidatorCompiler } from './validation.js';
import { agentRoutes } from './agent-routes.js';
import { actionRoutes } from './routes/actions.js';
import { executionRoutes } from './routes/executions.js';
import { integrationRoutes } from './routes/integrations.js';
import { healthRoutes, type Readiness } from './routes/health.js';
import { logStreamRoutes } from './routes/log-stream.js';
import { triggerRoutes } from './routes/triggers.js';
import { pipelineRoutes } from './routes/pipelines.js';
import { projectRoutes } from './routes/projects.js';
import { userRoutes } from './routes/user.js';
import { variableRoutes } from './routes/variables.js';
import { workspaceRoutes } from './routes/workspaces.js';

export interface ApiOptions {
  useCases: UseCases;
  publicUrl: string;
  rateLimit: { max: number; windowSeconds: number };
  /** Failed authentications per client address a minute. */
  authFailureLimit?: number;
  /** Proxies whose X-Forwarded-For decides the client address (addresses or CIDR blocks). */
  trustedProxies?: readonly string[];
  logger: FastifyBaseLogger | false;
  /** How long an agent's claim waits for a job (default 25 s). */
  claimWaitMs?: number;
  /** What /readyz checks (default: nothing but that the server is not shutting down). */
  readiness?: Readiness;
}

/** The Buddy-compatible REST API: every route, the error envelope, auth, rate limits and /openapi.json. */
export async function buildApi(opts: ApiOptions) {
  const app = Fastify({
    loggerInstance: opts.logger || undefined,
    logger: opts.logger ? undefined : false,
    bodyLimit: 1024 * 1024,
    trustProxy: opts.trustedProxies?.length ? [...opts.trustedProxies] : false,
    schemaErrorFormatter: (issues, dataVar) => new ValidationError(describeSchemaIssues(issues, dataVar)),
    // Errors before routing (a path that does not decode, a segment too long) and those of Node's HTTP parser
    // get the envelope too, never the path.
    routerOptions: { maxParamLength: LIMITS.name },
    frameworkErrors: handleFrameworkError,
    clientErrorHandler: (error: NodeJS.ErrnoException, socket) => {
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      if (socket.writable) socket.write(clientErrorResponse(error));
      socket.destroy(error);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Bodies are JSON: any other content type (Fastify also parses text/plain by default) is answered 415.
  app.removeContentTypeParser('text/plain');
  await app.register(swagger, {
    openapi: {
      info: { title: 'Archway API (Buddy.Works-compatible)', version: '0.1.0' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  app.setValidatorCompiler(createValidatorCompiler());
  app.addSchema(ErrorBody);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((req) => {
    throw noSuchEndpoint(req);
  });
  // Failed authentications and agent requests get their own limiters (see auth.ts and agent-routes.ts).
  const failures = createRateLimiter({ max: opts.authFailureLimit ?? 100, windowSeconds: 60 });
  app.decorate('authFailures', failures);
  registerAuth(app, {
    tokens: opts.useCases.tokens,
    sessions: opts.useCases.sessions,
    limiter: createRateLimiter(opts.rateLimit),
    failures,
  });

  // Aborted when close() begins: long-polls answer at once and live log streams end with a reconnect hint, so the
  // in-flight requests Fastify waits for finish and the clients move to another replica.
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());
  closeIdleConnectionsOnClose(app);
  const deps = { useCases: opts.useCases, urls: createUrls(opts.publicUrl), closing: closing.signal };
  healthRoutes(app, { readiness: opts.readiness ?? (async () => ({})), closing: closing.signal });
  workspaceRoutes(app, deps);
  projectRoutes(app, deps);
  pipelineRoutes(app, deps);
  actionRoutes(app, deps);
  userRoutes(app, deps);
  variableRoutes(app, deps);
  integrationRoutes(app, deps);
  executionRoutes(app, deps);
  logStreamRoutes(app, deps);
  triggerRoutes(app, deps);
  agentRoutes(app, deps, {
    claimWaitMs: opts.claimWaitMs,
    failures,
    // An agent sends a log batch every ~0.5 s and a heartbeat every 10 s while it builds: 10x a user's budget.
    limiter: createRateLimiter({ max: opts.rateLimit.max * 10, windowSeconds: opts.rateLimit.windowSeconds }),
  });
  app.get('/openapi.json', { schema: { hide: true }, config: { public: true } }, async () => app.swagger());
  return app;
}
