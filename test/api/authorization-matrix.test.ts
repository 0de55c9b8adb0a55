import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RevisionSource } from '../../src/app/ports/revision-source.js';
import { SCOPES, type Scope } from '../../src/domain/scopes.js';
import { ADMIN_TOKEN, startApi, type Api } from '../support/api-harness.js';
import { WEB_ROUTE_KEYS } from '../web/web-routes.js';
import { changed, snapshotOf } from '../support/db-snapshot.js';
import { parseRouteTree } from '../support/route-tree.js';

/**
 * Issue 10, "How it must be shown": the authorization matrix, generated from the route table. Every route of the
 * running app (the route set must equal ROUTES' keys exactly, so a new route fails here until it has an entry) ×
 * every kind of caller that must be refused, each answered with the right status and without a single row of the
 * SQLite file changing; and a positive control per route (the admin token reaches the handler with the seeded ids)
 * so that no cell passes because the route refuses everybody.
 */

/** Who may call a route: a user token holding the scope, any valid user token, an agent token, or anybody. */
type Guard = Scope | 'any-token' | 'agent' | 'public' | 'own-credential';
interface Entry {
  guard: Guard;
  /**
   * What an allowed caller gets, sending `body` to the seeded resources (the positive control): a read is sent with
   * the admin token and with a token holding only the route's scope, a write (it acts, so once) with the latter.
   */
  ok: number;
  body?: unknown;
}

const WS = '/workspaces/:domain';
const PROJECT = `${WS}/projects/:project_name`;
const PIPELINE = `${PROJECT}/pipelines/:pipeline_id`;
const EXECUTION = `${PIPELINE}/executions/:execution_id`;

/** The route table: "METHOD path" as Fastify registers it → who may call it. HEAD twins of GETs are implied. */
const ROUTES: Record<string, Entry> = {
  'GET /workspaces': { guard: 'WORKSPACE', ok: 200 },
  'POST /workspaces': { guard: 'WORKSPACES_MANAGE', ok: 201, body: { domain: 'made-here', name: 'Made here' } },
  [`GET ${WS}`]: { guard: 'WORKSPACE', ok: 200 },
  [`PATCH ${WS}`]: { guard: 'WORKSPACES_MANAGE', ok: 200, body: { name: 'Acme Inc' } },
  [`DELETE ${WS}`]: { guard: 'WORKSPACES_MANAGE', ok: 204 },

  [`GET ${WS}/projects`]: { guard: 'WORKSPACE', ok: 200 },
  [`POST ${WS}/projects`]: { guard: 'WORKSPACE', ok: 201, body: { display_name: 'Made here' } },
  [`GET ${PROJECT}`]: { guard: 'WORKSPACE', ok: 200 },
  [`PATCH ${PROJECT}`]: { guard: 'WORKSPACE', ok: 200, body: { display_name: 'Company Website 2' } },
  [`DELETE ${PROJECT}`]: { guard: 'PROJECT_DELETE', ok: 204 },

  [`GET ${PROJECT}/pipelines`]: { guard: 'EXECUTION_INFO', ok: 200 },
  [`POST ${PROJECT}/pipelines`]: { guard: 'EXECUTION_MANAGE', ok: 201, body: { name: 'Made here' } },
  [`GET ${PIPELINE}`]: { guard: 'EXECUTION_INFO', ok: 200 },
  [`PATCH ${PIPELINE}`]: { guard: 'EXECUTION_MANAGE', ok: 200, body: { name: 'Build 2' } },
  [`DELETE ${PIPELINE}`]: { guard: 'EXECUTION_MANAGE', ok: 204 },

  [`GET ${PIPELINE}/actions`]: { guard: 'EXECUTION_INFO', ok: 200 },
  [`POST ${PIPELINE}/actions`]: {
    guard: 'EXECUTION_MANAGE',
    ok: 201,
    body: { name: 'made-here', type: 'DOCKER_BUILD_MULTI_ARCH' },
  },
  [`GET ${PIPELINE}/actions/:action_id`]: { guard: 'EXECUTION_INFO', ok: 200 },
  [`PATCH ${PIPELINE}/actions/:action_id`]: { guard: 'EXECUTION_MANAGE', ok: 200, body: { name: 'build-2' } },
  [`DELETE ${PIPELINE}/actions/:action_id`]: { guard: 'EXECUTION_MANAGE', ok: 204 },

  [`GET ${PIPELINE}/executions`]: { guard: 'EXECUTION_INFO', ok: 200 },
  [`POST ${PIPELINE}/executions`]: { guard: 'EXECUTION_RUN', ok: 200, body: { branch: { name: 'main' } } },
  [`GET ${EXECUTION}`]: { guard: 'EXECUTION_INFO', ok: 200 },
  [`PATCH ${EXECUTION}`]: { guard: 'EXECUTION_RUN', ok: 200, body: { operation: 'RETRY' } },
  [`GET ${EXECUTION}/action/:action_id`]: { guard: 'EXECUTION_INFO', ok: 200 },
  [`GET ${EXECUTION}/actions/:action_id`]: { guard: 'EXECUTION_INFO', ok: 200 },
  [`GET ${EXECUTION}/action_executions/:hex_id`]: { guard: 'EXECUTION_INFO', ok: 200 },
  [`GET ${EXECUTION}/action_executions/:hex_id/stream`]: { guard: 'EXECUTION_INFO', ok: 200 },

  [`GET ${WS}/variables`]: { guard: 'VARIABLE_INFO', ok: 200 },
  [`POST ${WS}/variables`]: { guard: 'VARIABLE_ADD', ok: 201, body: { key: 'MADE_HERE', value: 'x' } },
  [`GET ${WS}/variables/:variable_id`]: { guard: 'VARIABLE_INFO', ok: 200 },
  [`PATCH ${WS}/variables/:variable_id`]: { guard: 'VARIABLE_MANAGE', ok: 200, body: { value: 'hello again' } },
  [`DELETE ${WS}/variables/:variable_id`]: { guard: 'VARIABLE_MANAGE', ok: 204 },

  [`GET ${WS}/integrations`]: { guard: 'INTEGRATION_INFO', ok: 200 },
  [`POST ${WS}/integrations`]: {
    guard: 'INTEGRATION_ADD',
    ok: 201,
    body: { name: 'Made here', type: 'DOCKER_HUB', scope: 'WORKSPACE', username: 'bot', password: 'pw-made-here' },
  },
  [`GET ${WS}/integrations/:hash_id`]: { guard: 'INTEGRATION_INFO', ok: 200 },
  [`PATCH ${WS}/integrations/:hash_id`]: { guard: 'INTEGRATION_MANAGE', ok: 200, body: { name: 'Docker Hub 2' } },
  [`DELETE ${WS}/integrations/:hash_id`]: { guard: 'INTEGRATION_MANAGE', ok: 204 },

  'GET /user': { guard: 'USER_INFO', ok: 200 },
  'GET /user/token': { guard: 'any-token', ok: 200 },
  'GET /user/tokens': { guard: 'TOKEN_INFO', ok: 200 },
  'POST /user/tokens': { guard: 'TOKEN_MANAGE', ok: 201, body: { name: 'made-here', scopes: ['TOKEN_INFO'] } },
  'GET /user/tokens/:token_id': { guard: 'TOKEN_INFO', ok: 200 },
  'DELETE /user/tokens/:token_id': { guard: 'TOKEN_MANAGE', ok: 204 },

  'POST /agent/v1/agents': { guard: 'WORKSPACES_MANAGE', ok: 201, body: { name: 'made-here' } },
  'GET /agent/v1/agents': { guard: 'WORKSPACES_MANAGE', ok: 200 },
  'GET /agent/v1/agents/:id': { guard: 'WORKSPACES_MANAGE', ok: 200 },
  'DELETE /agent/v1/agents/:id': { guard: 'WORKSPACES_MANAGE', ok: 204 },

  'POST /agent/v1/hello': {
    guard: 'agent',
    ok: 200,
    body: { host_platform: 'linux/amd64', native_platforms: ['linux/amd64'], emulated_platforms: ['linux/arm64'] },
  },
  'POST /agent/v1/jobs/claim': { guard: 'agent', ok: 200 },
  'POST /agent/v1/jobs/:id/heartbeat': { guard: 'agent', ok: 200, body: { attempt: 1, progress: 50 } },
  'POST /agent/v1/jobs/:id/logs': { guard: 'agent', ok: 200, body: { attempt: 1, offset: 0, lines: ['hello'] } },
  'POST /agent/v1/jobs/:id/finish': {
    guard: 'agent',
    ok: 204,
    body: { attempt: 1, status: 'FAILED', error: 'made to fail, so it can be retried' },
  },

  'GET /openapi.json': { guard: 'public', ok: 200 },
  'GET /healthz': { guard: 'public', ok: 200 },
  // Triggers from outside carry their own credential (a trigger token, a host's signature), never a user token:
  // whatever bearer is sent, a call without that credential is refused with this status and writes nothing.
  'GET /app/:domain/:project_name/pipelines/pipeline/:pipeline_id/trigger-webhook': {
    guard: 'own-credential',
    ok: 401,
  },
  'POST /app/:domain/:project_name/pipelines/pipeline/:pipeline_id/trigger-webhook': {
    guard: 'own-credential',
    ok: 401,
  },
  'POST /webhooks/git/:domain/:project_name': { guard: 'own-credential', ok: 400 },
  [`POST ${PIPELINE}/webhook-token`]: { guard: 'EXECUTION_MANAGE', ok: 400 },
  'GET /readyz': { guard: 'public', ok: 200 },
};

/**
 * The scopes that grant another besides itself (Buddy: MANAGE includes ADD/RUN/WRITE includes INFO/READ), written
 * out here rather than taken from src/domain/scopes.ts, so a widened implication there fails a cell.
 */
const IMPLIED_BY: Partial<Record<Scope, readonly Scope[]>> = {
  EXECUTION_INFO: ['EXECUTION_RUN', 'EXECUTION_MANAGE'],
  EXECUTION_RUN: ['EXECUTION_MANAGE'],
  ENVIRONMENT_INFO: ['ENVIRONMENT_ADD', 'ENVIRONMENT_MANAGE'],
  ENVIRONMENT_ADD: ['ENVIRONMENT_MANAGE'],
  ZONE_READ: ['ZONE_WRITE', 'ZONE_MANAGE'],
  ZONE_WRITE: ['ZONE_MANAGE'],
  TARGET_INFO: ['TARGET_ADD', 'TARGET_MANAGE'],
  TARGET_ADD: ['TARGET_MANAGE'],
  INTEGRATION_INFO: ['INTEGRATION_ADD', 'INTEGRATION_MANAGE'],
  INTEGRATION_ADD: ['INTEGRATION_MANAGE'],
  WEBHOOK_INFO: ['WEBHOOK_ADD', 'WEBHOOK_MANAGE'],
  WEBHOOK_ADD: ['WEBHOOK_MANAGE'],
  VARIABLE_INFO: ['VARIABLE_ADD', 'VARIABLE_MANAGE'],
  VARIABLE_ADD: ['VARIABLE_MANAGE'],
  TOKEN_INFO: ['TOKEN_MANAGE'],
  REPOSITORY_READ: ['REPOSITORY_WRITE'],
  WORKSPACE: ['WORKSPACES_MANAGE'],
};
/** Every scope but the one a route needs and those that imply it. */
const lacking = (scope: Scope) => SCOPES.filter((s) => s !== scope && !(IMPLIED_BY[scope] ?? []).includes(s));

const methodOf = (key: string) => key.slice(0, key.indexOf(' '));
const pathOf = (key: string) => key.slice(key.indexOf(' ') + 1);
/** The table's routes and the HEAD twin Fastify adds to every GET. */
const ALL_KEYS = Object.keys(ROUTES).flatMap((k) => (methodOf(k) === 'GET' ? [k, `HEAD ${pathOf(k)}`] : [k]));
const entryOf = (key: string): Entry => ROUTES[key] ?? ROUTES[`GET ${pathOf(key)}`]!;

/**
 * Order of the positive controls, which really act: the agent's job first (so the stream below ends), then reads,
 * writes, and deletes deepest first (the workspace last).
 */
const AGENT_FLOW = ['claim', 'heartbeat', 'logs', 'finish'];
function positiveRank(key: string): number[] {
  const method = methodOf(key);
  const path = pathOf(key);
  if (path.startsWith('/agent/v1/jobs/')) return [0, AGENT_FLOW.findIndex((step) => path.endsWith(step))];
  if (method === 'GET' || method === 'HEAD') return [1, 0];
  if (method !== 'DELETE') return [2, 0];
  return [3, -path.split('/').length];
}
const POSITIVE_ORDER = [...ALL_KEYS].sort((a, b) => {
  const [ra, rb] = [positiveRank(a), positiveRank(b)];
  return ra[0]! - rb[0]! || ra[1]! - rb[1]!;
});

const REVISION = {
  sha: 'a'.repeat(40),
  message: 'Initial commit',
  authorName: 'Ann Author',
  authorEmail: 'ann@example.com',
  authorDate: '2026-01-01T00:00:00.000Z',
  committerName: 'Ann Author',
  committerEmail: 'ann@example.com',
  commitDate: '2026-01-01T00:00:00.000Z',
};
/** Runs resolve to a fixed commit: the matrix needs an execution, not a repository. */
const revisions: RevisionSource = {
  resolve: async (_key, _source, request, defaultBranch) => ({
    ...REVISION,
    branch: request.branch ?? defaultBranch,
  }),
  listRefs: async () => new Map([['refs/heads/main', REVISION.sha]]),
  changedFiles: async () => [],
};

describe('authorization matrix over every route', () => {
  let api: Api;
  let db: Database.Database;
  let state: Record<string, string>;
  const params: Record<string, string> = { domain: 'acme', project_name: 'company-website' };
  const tokens = {
    unknown: `unknown-${randomBytes(16).toString('hex')}`,
    expired: '',
    agent: '',
    /** Another agent, global too: it may claim acme's jobs, but not act on a job the first one holds. */
    bystander: '',
    otherWorkspace: '',
    lacking: {} as Partial<Record<Scope, string>>,
    only: {} as Partial<Record<Scope, string>>,
    /** One scope that no route asks for: enough for an any-token route. */
    anyOne: '',
  };

  const fill = (path: string) =>
    path.replace(/:(\w+)/g, (_, name: string) => {
      const key = name === 'id' ? (path.startsWith('/agent/v1/jobs/') ? 'job_id' : 'agent_id') : name;
      const value = params[key];
      if (value === undefined) throw new Error(`no seeded value for :${name} in ${path}`);
      return value;
    });

  /** One request as the route's positive control would send it; the status, or a note that none came. */
  async function send(key: string, authorization: string | undefined): Promise<number | string> {
    const method = methodOf(key) as 'GET';
    const { body } = entryOf(key);
    const answer = api.inject({
      method,
      url: fill(pathOf(key)),
      headers: {
        ...(authorization !== undefined && { authorization }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { payload: JSON.stringify(body) }),
    });
    const res = await Promise.race([answer, sleep(5_000).then(() => undefined)]);
    return res === undefined ? 'no answer within 5 s' : res.statusCode;
  }

  /** The callers a route must refuse (a public route: must serve), with the status each must get. */
  function cellsOf(key: string): Array<{ kind: string; authorization: string | undefined; status: number }> {
    const { guard } = entryOf(key);
    const valid = guard === 'agent' ? tokens.agent : ADMIN_TOKEN;
    const malformed = [`Token ${valid}`, `Bearer ${valid} ${valid}`, 'Bearer', valid].map((authorization, i) => ({
      kind: `malformed header #${i + 1}`,
      authorization,
      status: 401,
    }));
    const anonymous = [
      { kind: 'no token', authorization: undefined, status: 401 },
      ...malformed,
      { kind: 'unknown token', authorization: `Bearer ${tokens.unknown}`, status: 401 },
      { kind: 'expired token', authorization: `Bearer ${tokens.expired}`, status: 401 },
    ];
    if (guard === 'own-credential')
      return [...anonymous, { kind: 'agent token', authorization: `Bearer ${tokens.agent}`, status: 401 }].map(
        (cell) => ({ ...cell, status: entryOf(key).ok }),
      );
    if (guard === 'public')
      return [...anonymous, { kind: 'agent token', authorization: `Bearer ${tokens.agent}`, status: 401 }].map(
        (cell) => ({ ...cell, status: 200 }),
      );
    if (guard === 'agent')
      return [...anonymous, { kind: 'user token', authorization: `Bearer ${ADMIN_TOKEN}`, status: 401 }];
    return [
      ...anonymous,
      { kind: 'agent token', authorization: `Bearer ${tokens.agent}`, status: 401 },
      ...(guard === 'any-token'
        ? []
        : [{ kind: `token without ${guard}`, authorization: `Bearer ${tokens.lacking[guard]}`, status: 403 }]),
      ...(pathOf(key).startsWith(`${WS}`)
        ? [
            {
              kind: 'token restricted to another workspace',
              authorization: `Bearer ${tokens.otherWorkspace}`,
              status: 404,
            },
          ]
        : []),
    ];
  }

  beforeAll(async () => {
    api = await startApi(
      // The matrix makes hundreds of failed authentications from one address on purpose.
      { ARCHWAY_AUTH_FAILURE_LIMIT: '1000000', ARCHWAY_RATE_LIMIT: '1000000' },
      { revisions, claimWaitMs: 200 },
    );
    const must = async (method: string, url: string, body: unknown, status: number) => {
      const res = await api.call(method, url, body);
      if (res.status !== status) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    for (const domain of ['acme', 'other']) await must('POST', '/workspaces', { domain, name: domain }, 201);
    const repo = { display_name: 'Company Website', custom_repo_url: 'https://git.example.com/acme/site.git' };
    await must('POST', '/workspaces/acme/projects', repo, 201);
    const pipeline = await must('POST', '/workspaces/acme/projects/company-website/pipelines', { name: 'Build' }, 201);
    params.pipeline_id = String(pipeline.id);
    const pipelinePath = fill(PIPELINE);
    const actions = `${pipelinePath}/actions`;
    params.action_id = String(
      (
        await must(
          'POST',
          actions,
          { name: 'build', type: 'DOCKER_BUILD_MULTI_ARCH', registry: 'registry.example.com', repository: 'acme/site' },
          201,
        )
      ).id,
    );
    params.variable_id = String(
      (await must('POST', '/workspaces/acme/variables', { key: 'GREETING', value: 'hello' }, 201)).id,
    );
    const docker = { name: 'Docker Hub', type: 'DOCKER_HUB', scope: 'WORKSPACE', username: 'bot', password: 'pw-1' };
    params.hash_id = (await must('POST', '/workspaces/acme/integrations', docker, 201)).hash_id;
    const execution = await must('POST', `${pipelinePath}/executions`, { branch: { name: 'main' } }, 200);
    params.execution_id = String(execution.id);
    params.token_id = (await must('POST', '/user/tokens', { name: 'victim', scopes: ['TOKEN_INFO'] }, 201)).id;
    params.agent_id = (await must('POST', '/agent/v1/agents', { name: 'victim' }, 201)).id;
    tokens.agent = (await must('POST', '/agent/v1/agents', { name: 'builder' }, 201)).token;
    tokens.bystander = (await must('POST', '/agent/v1/agents', { name: 'bystander' }, 201)).token;

    let minted = 0;
    const mint = async (scopes: readonly Scope[], extra: Record<string, unknown> = {}): Promise<string> =>
      (await must('POST', '/user/tokens', { name: `matrix-${++minted}`, scopes, ...extra }, 201)).token;
    const guards = new Set(Object.values(ROUTES).map((e) => e.guard));
    for (const scope of SCOPES.filter((s) => guards.has(s))) {
      tokens.lacking[scope] = await mint(lacking(scope));
      tokens.only[scope] = await mint([scope]);
    }
    tokens.anyOne = await mint(['ZONE_READ']);
    // Every scope, but restricted to the other workspace.
    tokens.otherWorkspace = await mint(SCOPES, { workspace_restrictions: ['other'] });

    db = new Database(join(api.dataDir, 'archway.db'), { readonly: true, fileMustExist: true });
    const [actionExecution] = await api.core.store.executions.actionExecutions(execution.id);
    params.hex_id = actionExecution!.hexId;
    const job = db.prepare('SELECT id, state FROM jobs WHERE action_execution_id = ?').get(actionExecution!.id) as
      { id: number; state: string } | undefined;
    if (job?.state !== 'QUEUED') throw new Error(`the run queued no job: ${JSON.stringify(actionExecution)}`);
    params.job_id = String(job.id);

    // An expiring token, expired in the file as time would (never used before, so no cache holds it).
    const expiring = await must('POST', '/user/tokens', { name: 'expiring', scopes: [...SCOPES], expires_in: 1 }, 201);
    tokens.expired = expiring.token;
    const writer = new Database(join(api.dataDir, 'archway.db'), { fileMustExist: true, timeout: 5_000 });
    writer.prepare('UPDATE tokens SET expires_at = ? WHERE id = ?').run('2000-01-01T00:00:00.000Z', expiring.id);
    writer.close();

    // Nothing may still be settling when the refusals start.
    state = snapshotOf(db);
    for (let settled = 0; settled < 3;) {
      await sleep(50);
      const next = snapshotOf(db);
      settled = JSON.stringify(next) === JSON.stringify(state) ? settled + 1 : 0;
      state = next;
    }
  });
  afterAll(async () => {
    db?.close();
    await api?.close();
  });

  it('the route table lists every route of the running app, and nothing else', async () => {
    // The web app's pages are a session's, not a token's: test/web/web-authorization.test.ts covers them.
    const served = parseRouteTree(api.app.printRoutes({ commonPrefix: false })).filter(
      (k) => !WEB_ROUTE_KEYS.includes(k),
    );
    for (const key of served)
      expect(api.app.hasRoute({ method: methodOf(key), url: pathOf(key) }), `${key} parsed`).toBe(true);
    // The tree parse agrees with the OpenAPI document, which lists every route not hidden from it.
    const doc = JSON.parse((await api.inject({ method: 'GET', url: '/openapi.json' })).body) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(documented.length).toBeGreaterThan(40);
    expect(served).toEqual(expect.arrayContaining(documented));
    expect({
      servedButNotInTable: served.filter((k) => !ALL_KEYS.includes(k)),
      inTableButNotServed: ALL_KEYS.filter((k) => !served.includes(k)),
    }).toEqual({ servedButNotInTable: [], inTableButNotServed: [] });
    expect(served).toHaveLength(ALL_KEYS.length);
  });

  describe('refused callers get their status and change nothing (public routes: serve anybody)', () => {
    it.each(ALL_KEYS)('%s', async (key) => {
      for (const cell of cellsOf(key)) {
        const status = await send(key, cell.authorization);
        const after = snapshotOf(db);
        expect.soft(status, `${key} — ${cell.kind}: status`).toBe(cell.status);
        expect.soft(changed(state, after), `${key} — ${cell.kind}: tables written`).toEqual([]);
        state = after;
      }
    });
  });

  describe('positive controls: an allowed caller reaches the handler', () => {
    it.each(POSITIVE_ORDER)('%s', async (key) => {
      const { guard, ok } = entryOf(key);
      const method = methodOf(key);
      if (guard === 'agent' && pathOf(key).startsWith('/agent/v1/jobs/:id/')) {
        // The job is RUNNING for the first agent now: another agent's token is refused and writes nothing.
        const before = snapshotOf(db);
        expect.soft(await send(key, `Bearer ${tokens.bystander}`), "another agent's token").toBe(409);
        const after = snapshotOf(db);
        expect.soft(changed(before, after), "another agent's token: tables written").toEqual([]);
      }
      const read = method === 'GET' || method === 'HEAD';
      if (guard === 'agent') expect(await send(key, `Bearer ${tokens.agent}`), 'the agent').toBe(ok);
      if (guard !== 'agent' && read) expect(await send(key, `Bearer ${ADMIN_TOKEN}`), 'admin').toBe(ok);
      // The route's scope alone is enough (any one scope for any-token).
      if (guard === 'own-credential') expect(await send(key, `Bearer ${ADMIN_TOKEN}`), 'admin').toBe(ok);
      if (guard !== 'agent' && guard !== 'public' && guard !== 'own-credential') {
        const only = guard === 'any-token' ? tokens.anyOne : tokens.only[guard]!;
        expect(await send(key, `Bearer ${only}`), `a token with only ${guard}`).toBe(ok);
      }
    });
  });
});
