import { Type } from 'typebox';
import type { WebhookRunRequest } from '../../app/webhook-trigger.js';
import { UnauthorizedError, ValidationError } from '../../domain/errors.js';
import { callerOf } from '../auth.js';
import { Id, Name } from '../buddy-json/limits.js';
import { webhookTriggerUrl } from '../buddy-json/pipeline.js';
import { paths } from '../buddy-json/urls.js';
import { GIT_WEBHOOK_MAX_BYTES, readGitWebhook, sameRepository } from '../git-webhooks.js';
import { ErrorRef, errorResponses, PipelineParams, ProjectParams, type App, type RouteDeps } from './deps.js';

/** A trigger call's parameters (query and body together): at most this many, each value at most this long. */
const MAX_PARAMS = 100;
const MAX_VALUE = 10_000;
/** Buddy's trigger parameters; every other one is a custom variable (which must be `settable`). */
const KNOWN = [
  'token',
  'revision',
  'branch',
  'tag',
  'comment',
  'clearCache',
  'clear_cache',
  'fromScratch',
  'from_scratch',
];

const truthy = (v: string | undefined) => (v === undefined ? undefined : ['1', 'true', 'yes', 'on'].includes(v));

/** Query and body merged into strings (a JSON body's numbers and booleans as text), with the limits checked. */
function paramsOf(query: unknown, body: unknown): Map<string, string> {
  const out = new Map<string, string>();
  for (const source of [query, body]) {
    if (source === undefined || source === null || source === '') continue;
    if (typeof source !== 'object' || Array.isArray(source))
      throw new ValidationError('The trigger parameters must be an object of names and values.');
    for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
      if (!['string', 'number', 'boolean'].includes(typeof value))
        throw new ValidationError(`Trigger parameter "${key.slice(0, 100)}" must be a text, a number or a boolean.`);
      const text = String(value);
      if (text.length > MAX_VALUE || key.length > 200)
        throw new ValidationError(
          `Trigger parameter "${key.slice(0, 100)}" is too long (at most ${MAX_VALUE} characters).`,
        );
      out.set(key, text);
    }
  }
  if (out.size > MAX_PARAMS) throw new ValidationError(`At most ${MAX_PARAMS} trigger parameters are accepted.`);
  return out;
}

function runRequestOf(params: Map<string, string>): WebhookRunRequest {
  const get = (k: string) => params.get(k) || undefined;
  return {
    revision: get('revision'),
    branch: get('branch'),
    tag: get('tag'),
    comment: get('comment'),
    clearCache: truthy(get('clearCache') ?? get('clear_cache')),
    fromScratch: truthy(get('fromScratch') ?? get('from_scratch')),
    variables: [...params].filter(([k]) => !KNOWN.includes(k)).map(([key, value]) => ({ key, value })),
  };
}

const Started = Type.Object({ id: Type.Integer(), url: Type.String(), status: Type.String() });
const Delivered = Type.Object({ message: Type.String(), runs_started: Type.Integer() });

/**
 * Triggers from outside, each authenticated by its own credential instead of a user token (the auth hook lets them
 * through as public): Buddy's webhook trigger URL (`?token=`), and push webhooks from git hosts (the host's
 * signature with the project's `webhook_secret`). Renewing the trigger token is a user route (EXECUTION_MANAGE).
 */
export function triggerRoutes(app: App, { useCases, urls }: RouteDeps): void {
  const TriggerParams = Type.Object({ domain: Name(), project_name: Name(), pipeline_id: Id() });
  void app.register(async (plugin) => {
    const scope = plugin as unknown as App; // an encapsulated scope keeps the app's type provider
    // Buddy's callers send JSON or a form; both become a flat object of strings here.
    scope.removeContentTypeParser('application/x-www-form-urlencoded');
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 64 * 1024 },
      (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    for (const method of ['GET', 'POST'] as const)
      scope.route({
        method,
        url: '/app/:domain/:project_name/pipelines/pipeline/:pipeline_id/trigger-webhook',
        bodyLimit: 64 * 1024,
        schema: {
          tags: ['Triggers'],
          summary: "Run the pipeline through its webhook trigger (Buddy's trigger URL; the token is the credential)",
          params: TriggerParams,
          response: { 200: Started, 400: ErrorRef, 401: ErrorRef, 404: ErrorRef },
        },
        config: { public: true },
        handler: async (req) => {
          const params = paramsOf(req.query, req.body);
          const token = params.get('token');
          if (!token) throw new UnauthorizedError('The trigger URL needs its "token" parameter.');
          const { domain, project_name, pipeline_id } = req.params;
          const run = await useCases.webhookTrigger.run(
            { domain, projectName: project_name, pipelineId: pipeline_id },
            token,
            runRequestOf(params),
          );
          return {
            id: run.id,
            url: urls.api(`${paths.pipeline(domain, project_name, pipeline_id)}/executions/${run.id}`),
            status: run.status,
          };
        },
      });
  });

  void app.register(async (plugin) => {
    const scope = plugin as unknown as App; // an encapsulated scope keeps the app's type provider
    // The signature covers the bytes as sent: the body is kept raw, parsed only after it verifies.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      ['application/json', 'application/x-www-form-urlencoded'],
      { parseAs: 'buffer', bodyLimit: GIT_WEBHOOK_MAX_BYTES },
      (_req, body, done) => done(null, body),
    );
    scope.post(
      '/webhooks/git/:domain/:project_name',
      {
        bodyLimit: GIT_WEBHOOK_MAX_BYTES,
        schema: {
          tags: ['Triggers'],
          summary: 'Push webhook from GitHub, GitLab or Gitea/Forgejo (verified with the project\'s "webhook_secret")',
          params: ProjectParams,
          response: { 200: Delivered, 202: Delivered, 400: ErrorRef, 401: ErrorRef },
        },
        config: { public: true },
      },
      async (req, reply) => {
        const { domain, project_name } = req.params;
        const target = await useCases.pushWebhook.target(domain, project_name);
        // An unknown project answers as a wrong signature, as one without a secret does (readGitWebhook).
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const result = readGitWebhook(req.headers, body, target?.secret ?? null);
        if (result.kind === 'unauthorized') throw new UnauthorizedError(result.message);
        if (result.kind === 'invalid') throw new ValidationError(result.message);
        if (result.kind === 'ignored') return reply.status(202).send({ message: result.reason, runs_started: 0 });
        if (!sameRepository(result.hint.repositoryUrls, target!.repositoryUrl))
          throw new ValidationError(
            `The payload names another repository than project "${project_name}"'s; nothing was run.`,
          );
        const started = await useCases.pushWebhook.deliver(target!.projectId, result.hint);
        return { message: `Push to ${result.hint.ref} seen.`, runs_started: started };
      },
    );
  });

  app.post(
    '/workspaces/:domain/projects/:project_name/pipelines/:pipeline_id/webhook-token',
    {
      schema: {
        tags: ['Triggers'],
        summary: "Renew the webhook trigger's token (the old trigger URL stops working)",
        params: PipelineParams,
        response: { 200: Type.Object({ webhook_url: Type.String() }), ...errorResponses },
      },
      config: { scope: 'EXECUTION_MANAGE' },
    },
    async (req) => {
      const { domain, project_name, pipeline_id } = req.params;
      const token = await useCases.pipelines.renewWebhookToken(callerOf(req), domain, project_name, pipeline_id);
      return { webhook_url: webhookTriggerUrl(urls, domain, project_name, pipeline_id, token) };
    },
  );
}
