import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runTokenCommand } from '../../src/cli/token.js';
import { ADMIN_TOKEN, startApi } from '../support/api-harness.js';

/** Issue 10, hole 1: a token mints, sees and deletes only tokens that reach no further than itself. */
describe('a token reaches no further than the token that made it', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let narrow: string; // TOKEN_MANAGE only, restricted to acme
  beforeAll(async () => {
    api = await startApi();
    for (const domain of ['acme', 'other']) await api.post('/workspaces', { domain, name: domain });
    narrow = await api.token(['TOKEN_MANAGE', 'WORKSPACE'], { workspace_restrictions: ['acme'] });
  });
  afterAll(() => api.close());

  it('refuses scopes the caller does not hold, with 403 in the envelope, and writes nothing', async () => {
    const before = (await api.get('/user/tokens')).body.access_tokens.length;
    const res = await api.post(
      '/user/tokens',
      { name: 'wider', scopes: ['WORKSPACE', 'EXECUTION_RUN'], workspace_restrictions: ['acme'] },
      narrow,
    );
    expect(res.status).toBe(403);
    expect(res.body.errors[0].message).toContain('EXECUTION_RUN');
    expect((await api.get('/user/tokens')).body.access_tokens.length).toBe(before);
  });

  it('refuses an unrestricted token or another workspace from a restricted caller', async () => {
    const unrestricted = await api.post('/user/tokens', { name: 'u', scopes: ['WORKSPACE'] }, narrow);
    expect(unrestricted.status).toBe(403);
    expect(unrestricted.body.errors[0].message).toContain('workspace_restrictions');
    const elsewhere = await api.post(
      '/user/tokens',
      { name: 'e', scopes: ['WORKSPACE'], workspace_restrictions: ['acme', 'other'] },
      narrow,
    );
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.errors[0].message).toContain('other');
  });

  it('lets a restricted caller mint a narrower token, and an implied scope counts as held', async () => {
    const res = await api.post(
      '/user/tokens',
      { name: 'ok', scopes: ['TOKEN_INFO'], workspace_restrictions: ['acme'] },
      narrow,
    );
    expect(res.status).toBe(201);
    expect(res.body.scopes).toEqual(['TOKEN_INFO']);
  });

  it('lets an unrestricted caller restrict freely', async () => {
    const res = await api.post('/user/tokens', { name: 'r', scopes: ['WORKSPACE'], workspace_restrictions: ['x'] });
    expect(res.status).toBe(201);
  });

  it('lists only tokens the caller could have made, and hides the others as not found', async () => {
    const all = (await api.get('/user/tokens')).body.access_tokens as { id: string; name: string }[];
    const bootstrap = all.find((t) => t.name === 'bootstrap');
    expect(bootstrap).toBeDefined();
    const seen = (await api.get('/user/tokens', narrow)).body.access_tokens as { name: string }[];
    expect(seen.map((t) => t.name)).not.toContain('bootstrap');
    expect(seen.map((t) => t.name)).toContain('ok');
    expect((await api.get(`/user/tokens/${bootstrap!.id}`, narrow)).status).toBe(404);
    expect((await api.del(`/user/tokens/${bootstrap!.id}`, narrow)).status).toBe(404);
    expect((await api.get('/user/token', ADMIN_TOKEN)).status).toBe(200); // the bootstrap token still works
  });

  it('deletes a token within its reach', async () => {
    const mine = (await api.get('/user/tokens', narrow)).body.access_tokens as { id: string; name: string }[];
    const ok = mine.find((t) => t.name === 'ok')!;
    expect((await api.del(`/user/tokens/${ok.id}`, narrow)).status).toBe(204);
  });
});

describe('archway token create', () => {
  it('applies the same rule when run with ARCHWAY_TOKEN, and prints usage for --help', async () => {
    const api = await startApi();
    const narrow = await api.token(['WORKSPACE', 'TOKEN_MANAGE'], { workspace_restrictions: ['acme'] });
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    try {
      const env = { ARCHWAY_DATA_DIR: api.dataDir, ARCHWAY_BUILTIN_REGISTRY: '0', ARCHWAY_TOKEN: narrow };
      expect(await runTokenCommand(['create', '--scopes', 'WORKSPACE,EXECUTION_RUN'], env)).toBe(1);
      expect(err.join('')).toContain('EXECUTION_RUN');
      expect(await runTokenCommand(['create', '--scopes', 'WORKSPACE'], env)).toBe(0); // restricted to acme by default
      expect(out.join('').trim()).toMatch(/^\S{20,}$/);
      expect(await runTokenCommand(['--help'], env)).toBe(0);
      expect(out.join('')).toContain('usage: archway token create');
      expect(await runTokenCommand(['create', '--bogus'], env)).toBe(2);
    } finally {
      vi.restoreAllMocks();
      await api.close();
    }
  });
});
