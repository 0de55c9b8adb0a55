import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type Api } from '../support/api-harness.js';

describe('authentication, scopes and workspace restrictions', () => {
  let api: Api;
  let actions: string;
  let pipelinePath: string;
  beforeAll(async () => {
    api = await startApi();
    ({ actions, pipelinePath } = await api.seedPipeline());
    await api.post('/workspaces', { domain: 'other', name: 'Other' });
  });
  afterAll(() => api.close());

  it('401 for a missing, malformed, unknown or expired token, in the envelope', async () => {
    expect((await api.get('/workspaces', null)).status).toBe(401);
    expect((await api.call('GET', '/workspaces', undefined, 'x y')).status).toBe(401);
    const unknown = await api.get('/workspaces', 'no-such-token');
    expect(unknown.status).toBe(401);
    expect(unknown.body.errors[0].message).toMatch(/Invalid access token/);
    const expiring = await api.token(['WORKSPACE'], { expires_in: 1 });
    const row = await api.core.store.tokens.byHash(
      (await import('node:crypto')).createHash('sha256').update(expiring).digest('hex'),
    );
    expect(row?.expiresAt).not.toBeNull();
    // Expire it in the database file, as time would.
    const { createSqliteDialect } = await import('../../src/store/dialects/sqlite.js');
    const dialect = createSqliteDialect({ file: `${api.dataDir}/archway.db` });
    await dialect.db
      .updateTable('tokens')
      .set({ expires_at: '2000-01-01T00:00:00.000Z' })
      .where('id', '=', row!.id)
      .execute();
    await dialect.close();
    const expired = await api.get('/workspaces', expiring);
    expect(expired.status).toBe(401);
    expect(expired.body.errors[0].message).toMatch(/expired/);
  });

  it('accepts ?access_token= as Buddy does', async () => {
    const res = await api.call('GET', '/workspaces?access_token=test-admin-token-0123456789', undefined, null);
    expect(res.status).toBe(200);
  });

  it('403 when the token lacks the route scope; MANAGE includes RUN includes INFO', async () => {
    const info = await api.token(['EXECUTION_INFO']);
    const run = await api.token(['EXECUTION_RUN']);
    const manage = await api.token(['EXECUTION_MANAGE']);
    const body = { name: 'b', type: 'DOCKER_BUILD_MULTI_ARCH' };
    const denied = await api.post(actions, body, info);
    expect(denied.status).toBe(403);
    expect(denied.body.errors[0].message).toMatch(/EXECUTION_MANAGE/);
    expect((await api.post(actions, body, run)).status).toBe(403);
    expect((await api.post(actions, body, manage)).status).toBe(201);
    for (const token of [info, run, manage]) expect((await api.get(actions, token)).status).toBe(200);
    expect((await api.get(pipelinePath, info)).status).toBe(200);
    expect((await api.patch(pipelinePath, { name: 'x' }, info)).status).toBe(403);
  });

  const matrix: Array<[string, string, string, string]> = [
    ['GET', '/workspaces', 'WORKSPACE', 'USER_INFO'],
    ['POST', '/workspaces', 'WORKSPACES_MANAGE', 'WORKSPACE'],
    ['GET', '/workspaces/acme/projects', 'WORKSPACE', 'EXECUTION_INFO'],
    ['DELETE', '/workspaces/acme/projects/nope', 'PROJECT_DELETE', 'WORKSPACE'],
    ['GET', '/workspaces/acme/projects/company-website/pipelines', 'EXECUTION_INFO', 'WORKSPACE'],
    ['GET', '/user', 'USER_INFO', 'WORKSPACE'],
    ['GET', '/user/tokens', 'TOKEN_INFO', 'USER_INFO'],
    ['POST', '/user/tokens', 'TOKEN_MANAGE', 'TOKEN_INFO'],
  ];
  it.each(matrix)('%s %s needs %s (a token with only %s gets 403)', async (method, url, needed, other) => {
    const without = await api.call(method, url, method === 'POST' ? {} : undefined, await api.token([other]));
    expect(without.status).toBe(403);
    const withIt = await api.call(method, url, method === 'POST' ? {} : undefined, await api.token([needed]));
    expect(withIt.status).not.toBe(403);
    expect(withIt.status).not.toBe(401);
  });

  it('treats a workspace outside the token restriction as not found, and lists only allowed ones', async () => {
    const token = await api.token(['WORKSPACE', 'EXECUTION_MANAGE'], { workspace_restrictions: ['other'] });
    expect((await api.get('/workspaces/acme', token)).status).toBe(404);
    expect((await api.get(actions, token)).status).toBe(404);
    expect((await api.get('/workspaces/other', token)).status).toBe(200);
    const list = await api.get('/workspaces', token);
    expect(list.body.workspaces.map((w: { domain: string }) => w.domain)).toEqual(['other']);
  });

  it('rejects unknown scopes with the allowed list', async () => {
    const res = await api.post('/user/tokens', { name: 'x', scopes: ['ROOT'] });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toMatch(/unknown values ROOT; allowed: WORKSPACE/);
  });

  it('shows a token value only when it is created, and deletes with 204', async () => {
    const created = await api.post('/user/tokens', { name: 'ci', scopes: ['WORKSPACE'], expires_in: 30 });
    expect(created.status).toBe(201);
    expect(created.body.token).toEqual(expect.any(String));
    expect(new Date(created.body.expires_at).getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    const listed = await api.get('/user/tokens');
    expect(listed.body.access_tokens.every((t: Record<string, unknown>) => !('token' in t))).toBe(true);
    expect((await api.get(`/user/tokens/${created.body.id}`)).body.token).toBeUndefined();
    expect((await api.get('/workspaces', created.body.token)).status).toBe(200);
    expect((await api.del(`/user/tokens/${created.body.id}`)).status).toBe(204);
    expect((await api.get('/workspaces', created.body.token)).status).toBe(401);
  });

  it('GET /user and /user/token describe the caller', async () => {
    const user = await api.get('/user');
    expect(user.body).toMatchObject({ url: 'https://ci.example.com/user', name: 'admin' });
    const me = await api.get('/user/token');
    expect(me.body.name).toBe('bootstrap');
    expect(me.body.scopes).toContain('EXECUTION_MANAGE');
  });
});

describe('rate limiting per token', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi({ ARCHWAY_RATE_LIMIT: '3', ARCHWAY_RATE_LIMIT_WINDOW: '3600' });
  });
  afterAll(() => api.close());

  it('sends the headers on every response and 429 in the envelope past the limit', async () => {
    const first = await api.get('/workspaces');
    expect(first.headers['x-rate-limit-limit']).toBe('3');
    expect(first.headers['x-rate-limit-remaining']).toBe('2');
    const reset = Number(first.headers['x-rate-limit-reset']);
    expect(reset).toBeGreaterThan(Date.now() / 1000);
    expect(reset).toBeLessThanOrEqual(Date.now() / 1000 + 3600);
    await api.get('/workspaces');
    await api.get('/workspaces');
    const limited = await api.get('/workspaces');
    expect(limited.status).toBe(429);
    expect(limited.body.errors[0].message).toMatch(/Too many requests/);
    expect(limited.headers['x-rate-limit-remaining']).toBe('0');
    // Another token has its own budget.
    expect((await api.get('/workspaces', 'unknown-token')).status).toBe(401);
  });
});
