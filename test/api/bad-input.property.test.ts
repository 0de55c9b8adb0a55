import Database from 'better-sqlite3';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startApi, type Api } from '../support/api-harness.js';
import {
  bodyObject,
  encodeText,
  fieldValue,
  hostileText,
  hostileValue,
  rawBody,
  validValue,
  type RawBody,
  type Schema,
} from '../support/hostile-input.js';

/**
 * The bad-input property: whatever a client sends to any route — wrong types, huge strings and numbers, deep
 * nesting, NUL and lone surrogates, prototype-pollution keys, missing and extra fields, bodies that are not JSON,
 * paths that do not decode — the answer is below 500, every error is exactly Buddy's envelope
 * `{"errors":[{"message":"…"}]}` as application/json, and a 4xx leaves the store as it was.
 *
 * The routes come from the running app's OpenAPI document (each route's params, query and body schemas), so a
 * new route is covered without touching this file; the agent protocol (hidden from the document) is listed below.
 * One real API over a real SQLite file, seeded with one of everything; a 2xx may change the seed, which is then
 * checked and, if damaged, built again. The store is compared through a second, read-only connection: SQLite's
 * `data_version` tells for free whether anyone committed, and only then are the tables hashed.
 */

const TOTAL_CASES = Number(process.env.BAD_INPUT_CASES ?? 12_000);

interface Operation {
  method: string;
  path: string;
  params: Array<{ in: 'path' | 'query'; name: string; schema: Schema }>;
  body?: Schema;
  /** Agent protocol routes are authenticated with the agent's token. */
  agent?: boolean;
}

/** The agent protocol routes (hidden from /openapi.json) with their bodies' fields; the claim long-polls, so not it. */
const AGENT_OPERATIONS: Operation[] = ['heartbeat', 'logs', 'finish'].map((verb) => ({
  method: 'POST',
  path: `/agent/v1/jobs/{id}/${verb}`,
  agent: true,
  params: [{ in: 'path', name: 'id', schema: { type: 'integer' } }],
  body: {
    type: 'object',
    properties: {
      attempt: { type: 'integer', minimum: 1 },
      progress: { type: 'number' },
      offset: { type: 'integer', minimum: 0 },
      lines: { type: 'array', items: { type: 'string' }, maxItems: 5000 },
      status: { enum: ['SUCCESSFUL', 'FAILED', 'TERMINATED'] },
      error: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    },
  },
}));

const PLATFORM = { enum: ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6'] };
/** The agent's hello at start: what it runs. */
const HELLO_OPERATION: Operation = {
  method: 'POST',
  path: '/agent/v1/hello',
  agent: true,
  params: [],
  body: {
    type: 'object',
    required: ['host_platform', 'native_platforms', 'emulated_platforms'],
    properties: {
      host_platform: { anyOf: [PLATFORM, { type: 'null' }] },
      native_platforms: { type: 'array', items: PLATFORM, maxItems: 8 },
      emulated_platforms: { type: 'array', items: PLATFORM, maxItems: 8 },
    },
  },
};

/**
 * Bodies each route accepts on the seed, the base that mutations start from so that they reach the use cases
 * (a route not listed starts from fields its schema allows).
 */
const GOOD_BODIES: Record<string, Record<string, unknown>> = {
  'POST /workspaces': { domain: 'other', name: 'Other' },
  'PATCH /workspaces/{domain}': { name: 'Acme Inc' },
  'POST /workspaces/{domain}/projects': { display_name: 'Second Site' },
  'PATCH /workspaces/{domain}/projects/{project_name}': { display_name: 'Site' },
  'POST /workspaces/{domain}/projects/{project_name}/pipelines': {
    name: 'Deploy',
    events: [{ type: 'PUSH', refs: ['main'] }],
  },
  'PATCH /workspaces/{domain}/projects/{project_name}/pipelines/{pipeline_id}': { name: 'Build 2', priority: 'HIGH' },
  'POST /workspaces/{domain}/projects/{project_name}/pipelines/{pipeline_id}/actions': {
    name: 'second',
    type: 'DOCKER_BUILD_MULTI_ARCH',
    dockerfile_path: 'Dockerfile',
    target_platform: 'linux/amd64',
    variables: [{ key: 'A', value: 'b' }],
  },
  'PATCH /workspaces/{domain}/projects/{project_name}/pipelines/{pipeline_id}/actions/{action_id}': {
    build_args: ['A=b'],
    timeout: 60,
  },
  'POST /workspaces/{domain}/projects/{project_name}/pipelines/{pipeline_id}/executions': { comment: 'run' },
  'PATCH /workspaces/{domain}/projects/{project_name}/pipelines/{pipeline_id}/executions/{execution_id}': {
    operation: 'CANCEL',
  },
  'POST /workspaces/{domain}/variables': { key: 'SECOND', value: 'v', encrypted: true },
  'PATCH /workspaces/{domain}/variables/{variable_id}': { value: 'w', description: 'd' },
  'POST /workspaces/{domain}/integrations': { name: 'hub2', type: 'DOCKER_HUB', username: 'u', password: 'p' },
  'PATCH /workspaces/{domain}/integrations/{hash_id}': { name: 'hub3' },
  'POST /user/tokens': { name: 'another', scopes: ['WORKSPACE'], expires_in: 30 },
  'POST /agent/v1/agents': { name: 'another-agent', labels: ['platform=linux/amd64'] },
  'POST /agent/v1/hello': {
    host_platform: 'linux/amd64',
    native_platforms: ['linux/amd64'],
    emulated_platforms: ['linux/arm64', 'linux/arm/v7'],
  },
  'POST /agent/v1/jobs/{id}/heartbeat': { attempt: 1, progress: 50 },
  'POST /agent/v1/jobs/{id}/logs': { attempt: 1, offset: 0, lines: ['x'] },
  'POST /agent/v1/jobs/{id}/finish': { attempt: 1, status: 'FAILED', error: 'e' },
};

function operationsOf(doc: any): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      ops.push({
        method: method.toUpperCase(),
        path,
        params: (op.parameters ?? []).map((p: any) => ({ in: p.in, name: p.name, schema: p.schema ?? {} })),
        body: op.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
  return ops;
}

/** One generated request, still symbolic where it names the seed (ids change when the seed is rebuilt). */
interface Case {
  path: Array<string | null>; // null: the seed's value for that parameter
  query: Array<[string, string]>;
  body: { json: unknown } | { raw: RawBody } | undefined;
}

function caseOf(op: Operation): fc.Arbitrary<Case> {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const segment = (p: Operation['params'][number]) =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constant(null) },
      { weight: 2, arbitrary: hostileText },
      { weight: 1, arbitrary: validValue(p.schema).map((v) => encodeText(String(v))) },
    );
  const text = (v: unknown) => encodeText(typeof v === 'string' ? v : JSON.stringify(v));
  // Each declared parameter absent, allowed, or hostile: most queries have one bad value among good ones.
  const queryValue = (p: Operation['params'][number]) =>
    fc.oneof(
      { weight: 4, arbitrary: fc.constant(null) },
      { weight: 3, arbitrary: validValue(p.schema).map((v): [string, string] => [p.name, text(v)]) },
      { weight: 1, arbitrary: fieldValue(p.schema).map((v): [string, string] => [p.name, text(v)]) },
      { weight: 1, arbitrary: hostileText.map((v): [string, string] => [p.name, v]) },
    );
  const declared = fc.tuple(...queryParams.map(queryValue));
  const extra = fc.array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom('__proto__', 'constructor[prototype][x]', 'a[b]', 'page', 'per_page', 'access_token'),
        fc.string({ maxLength: 8 }).map(encodeText),
      ),
      hostileText,
    ),
    { maxLength: 2 },
  );
  const body: fc.Arbitrary<Case['body']> = op.body
    ? fc.oneof(
        { weight: 8, arbitrary: bodyObject(op.body, GOOD_BODIES[`${op.method} ${op.path}`]).map((json) => ({ json })) },
        { weight: 2, arbitrary: hostileValue.map((json) => ({ json })) },
        { weight: 1, arbitrary: rawBody.map((raw) => ({ raw })) },
      )
    : fc.oneof(
        { weight: 8, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: rawBody.map((raw) => ({ raw })) },
      );
  return fc.record({
    path: fc.tuple(...pathParams.map(segment)),
    query: fc.tuple(declared, extra).map(([d, e]) => [...d.filter((x) => x !== null), ...e]),
    body,
  });
}

/** Exactly Buddy's error envelope: one key, a non-empty list of objects with one non-empty string each. */
function envelopeProblem(text: string, contentType: string | undefined): string | undefined {
  if (!contentType?.startsWith('application/json')) return `content-type ${contentType}`;
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (body === null || typeof body !== 'object' || Object.keys(body).join() !== 'errors') return 'not {errors}';
  if (!Array.isArray(body.errors) || body.errors.length === 0) return 'errors is not a non-empty list';
  for (const e of body.errors) {
    if (e === null || typeof e !== 'object' || Object.keys(e).join() !== 'message') return 'an error is not {message}';
    if (typeof e.message !== 'string' || e.message.length === 0) return 'a message is not a non-empty string';
    if (e.message.length > 10_000) return `a message of ${e.message.length} characters`;
  }
  return undefined;
}

const short = (v: unknown) => {
  const text = typeof v === 'string' ? v : Buffer.isBuffer(v) ? `<${v.length} bytes>` : JSON.stringify(v);
  return text === undefined ? 'undefined' : text.length > 300 ? `${text.slice(0, 300)}… (${text.length})` : text;
};

describe('bad input on every route: < 500, the envelope, nothing written', () => {
  let api: Api;
  let db: Database.Database;
  let ops: Operation[];
  let adminTokenId: string;
  let seed: Record<string, string>;
  let agentToken: string;
  let baseline: { version: number; hash: string };
  const stats = { cases: 0, status: new Map<number, number>(), resets: 0, routes: new Map<string, string[]>() };

  const tables = () =>
    (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as Array<{
        name: string;
      }>
    ).map((t) => t.name);
  const version = () => db.pragma('data_version', { simple: true }) as number;
  function hashStore(): string {
    const h = createHash('sha256');
    for (const t of tables().sort()) {
      const rows = db.prepare(`SELECT * FROM "${t}" ORDER BY 1`).all();
      h.update(`${t}:${rows.length}:${JSON.stringify(rows)}\n`);
    }
    return h.digest('hex');
  }
  const snapshot = () => ({ version: version(), hash: hashStore() });

  async function must(method: string, url: string, body?: unknown, token = ADMIN_TOKEN) {
    const res = await api.call(method, url, body, token);
    if (res.status >= 300) throw new Error(`seed: ${method} ${url} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async function buildSeed(): Promise<void> {
    await must('POST', '/workspaces', { domain: 'acme', name: 'Acme' });
    await must('POST', '/workspaces/acme/projects', { display_name: 'Company Website' });
    const pipeline = await must('POST', '/workspaces/acme/projects/company-website/pipelines', { name: 'Build' });
    const base = `/workspaces/acme/projects/company-website/pipelines/${pipeline.id}`;
    const action = await must('POST', `${base}/actions`, {
      name: 'image',
      type: 'DOCKER_BUILD_MULTI_ARCH',
      dockerfile_path: 'Dockerfile',
      target_platform: 'linux/amd64,linux/arm64',
    });
    const variable = await must('POST', '/workspaces/acme/variables', { key: 'API_URL', value: 'https://x' });
    const integration = await must('POST', '/workspaces/acme/integrations', {
      name: 'hub',
      type: 'DOCKER_HUB',
      username: 'bot',
      password: 'pw',
    });
    const token = await must('POST', '/user/tokens', { name: 'spare', scopes: ['WORKSPACE'] });
    const agent = await must('POST', '/agent/v1/agents', { name: 'fuzz-agent' });
    agentToken = agent.token;
    seed = {
      domain: 'acme',
      project_name: 'company-website',
      pipeline_id: String(pipeline.id),
      action_id: String(action.id),
      variable_id: String(variable.id),
      hash_id: integration.hash_id,
      token_id: token.id,
      id: agent.id,
      execution_id: '1',
      hex_id: '0123456789abcdef01234567',
    };
  }

  /** After a 2xx that changed something: is the seed still there as built? If not (or the store grew), rebuild. */
  async function reconcile(): Promise<void> {
    const one = (sql: string, ...args: unknown[]) => db.prepare(sql).get(...args) !== undefined;
    const rows = tables().reduce(
      (n, t) => n + (db.prepare(`SELECT count(*) AS c FROM "${t}"`).get() as { c: number }).c,
      0,
    );
    const intact =
      rows < 400 &&
      one(
        `SELECT 1 FROM workspaces w JOIN projects p ON p.workspace_id = w.id JOIN pipelines l ON l.project_id = p.id
         JOIN actions a ON a.pipeline_id = l.id WHERE w.domain = 'acme' AND p.name = 'company-website' AND l.id = ? AND a.id = ?`,
        Number(seed.pipeline_id),
        Number(seed.action_id),
      ) &&
      one('SELECT 1 FROM variables WHERE id = ?', Number(seed.variable_id)) &&
      one('SELECT 1 FROM integrations WHERE hash_id = ?', seed.hash_id) &&
      one('SELECT 1 FROM tokens WHERE id = ?', seed.token_id) &&
      one('SELECT 1 FROM agents WHERE id = ?', seed.id);
    if (intact) return;
    stats.resets++;
    for (const { domain } of db.prepare('SELECT domain FROM workspaces').all() as Array<{ domain: string }>)
      await must('DELETE', `/workspaces/${encodeURIComponent(domain)}`);
    for (const { id } of db.prepare('SELECT id FROM tokens').all() as Array<{ id: string }>)
      if (id !== adminTokenId) await must('DELETE', `/user/tokens/${encodeURIComponent(id)}`);
    for (const { id } of db.prepare('SELECT id FROM agents').all() as Array<{ id: string }>)
      await must('DELETE', `/agent/v1/agents/${encodeURIComponent(id)}`);
    await buildSeed();
  }

  beforeAll(async () => {
    // No git polling: its background writes (claiming a project's poll) would show as writes of the refused requests.
    api = await startApi({
      ARCHWAY_RATE_LIMIT: '10000000',
      ARCHWAY_AUTH_FAILURE_LIMIT: '1000000',
      ARCHWAY_GIT_POLL_SECONDS: '0',
    });
    ops = [...operationsOf((await api.get('/openapi.json')).body), ...AGENT_OPERATIONS, HELLO_OPERATION];
    adminTokenId = (await api.get('/user/token')).body.id;
    await buildSeed();
    db = new Database(join(api.dataDir, 'archway.db'), { readonly: true, fileMustExist: true });
    baseline = snapshot();
  });
  afterAll(async () => {
    db?.close();
    await api?.close();
    const counts = [...stats.status.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`);
    for (const [route, list] of stats.routes) {
      const n = new Map<string, number>();
      for (const st of list) n.set(st, (n.get(st) ?? 0) + 1);
      console.log(route, [...n].map(([k, v]) => `${k}:${v}`).join(' '));
    }
    console.log(
      `bad-input: ${stats.cases} cases over ${ops.length} routes, ${stats.resets} re-seeds; ${counts.join(', ')}`,
    );
  });

  async function send(op: Operation, c: Case) {
    let i = 0;
    const path = op.path.replace(
      /\{(\w+)\}/g,
      (_, name: string) => c.path[i++] ?? encodeURIComponent(seed[name] ?? 'x'),
    );
    const query = c.query.map(([k, v]) => `${k}=${v}`).join('&');
    const url = query ? `${path}?${query}` : path;
    const headers: Record<string, string> = { authorization: `Bearer ${op.agent ? agentToken : ADMIN_TOKEN}` };
    let payload: string | Buffer | undefined;
    if (c.body && 'json' in c.body) {
      payload = JSON.stringify(c.body.json);
      headers['content-type'] = 'application/json';
    } else if (c.body) {
      payload = c.body.raw.payload;
      if (c.body.raw.contentType) headers['content-type'] = c.body.raw.contentType;
    }
    const res = await api.inject({ method: op.method as 'GET', url, headers, payload });
    return { url, payload, res };
  }

  async function check(op: Operation, c: Case): Promise<void> {
    const { url, payload, res } = await send(op, c);
    const status = res.statusCode;
    stats.cases++;
    stats.status.set(status, (stats.status.get(status) ?? 0) + 1);
    if (process.env.BAD_INPUT_VERBOSE) {
      const key = `${op.method} ${op.path}`;
      stats.routes.set(key, [...(stats.routes.get(key) ?? []), String(status)]);
    }
    const where = () => `${op.method} ${short(url)} body ${short(payload)} → ${status} ${short(res.body)}`;
    if (status >= 500 || status < 200) throw new Error(`status ${status}: ${where()}`);
    if (status >= 400) {
      const problem = envelopeProblem(res.body, res.headers['content-type'] as string | undefined);
      if (problem) throw new Error(`not the envelope (${problem}): ${where()}`);
      if (version() !== baseline.version) {
        const hash = hashStore();
        if (hash !== baseline.hash) throw new Error(`a ${status} changed the store: ${where()}`);
        baseline = { version: version(), hash };
      }
      return;
    }
    if (res.body.length > 0) {
      const body = JSON.parse(res.body);
      if (body !== null && typeof body === 'object' && 'errors' in body)
        throw new Error(`a 2xx with errors: ${where()}`);
    }
    if (version() !== baseline.version) {
      await reconcile();
      baseline = snapshot();
    }
  }

  it('holds for every route of the OpenAPI document and the agent protocol', async () => {
    expect(ops.length).toBeGreaterThan(40);
    const runs = Math.ceil(TOTAL_CASES / ops.length);
    for (const op of ops) {
      await fc.assert(
        fc.asyncProperty(caseOf(op), (c) => check(op, c)),
        { numRuns: runs, endOnFailure: true },
      );
    }
    expect(stats.cases).toBeGreaterThanOrEqual(TOTAL_CASES);
  });

  it("sees a write: the store's snapshot changes with a committed row (the canary of the check above)", async () => {
    const before = snapshot();
    await must('POST', '/workspaces/acme/variables', { key: 'CANARY', value: 'x' });
    const after = snapshot();
    expect(after.version).not.toBe(before.version);
    expect(after.hash).not.toBe(before.hash);
  });

  it('every request schema bounds its strings, lists, open objects and integers', async () => {
    const doc = (await api.get('/openapi.json')).body;
    const unbounded: string[] = [];
    const walk = (s: Schema | undefined, at: string): void => {
      if (!s || typeof s !== 'object') return;
      if (s.type === 'string' && s.maxLength === undefined && !s.enum && s.const === undefined)
        unbounded.push(`${at}: string without maxLength`);
      if (s.type === 'array' && s.maxItems === undefined) unbounded.push(`${at}: array without maxItems`);
      if (s.type === 'integer' && s.maximum === undefined) unbounded.push(`${at}: integer without maximum`);
      if (s.type === 'object' && s.additionalProperties !== false && s.additionalProperties !== undefined) {
        if (s.maxProperties === undefined) unbounded.push(`${at}: open object without maxProperties`);
        if (s.additionalProperties === true) unbounded.push(`${at}: object open to any value`);
      }
      for (const [k, v] of Object.entries<Schema>(s.properties ?? {})) walk(v, `${at}.${k}`);
      if (typeof s.additionalProperties === 'object') walk(s.additionalProperties, `${at}.*`);
      walk(s.items, `${at}[]`);
      for (const v of s.anyOf ?? []) walk(v, at);
      if (s.else) walk(s.else, at);
      if (s.then) walk(s.then, at);
    };
    for (const op of operationsOf(doc)) {
      const name = `${op.method} ${op.path}`;
      for (const p of op.params) walk(p.schema, `${name} ${p.in} ${p.name}`);
      walk(op.body, `${name} body`);
    }
    expect(unbounded).toEqual([]);
  });
});
