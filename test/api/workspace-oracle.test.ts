import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from '../support/api-harness.js';

/** Issue 10, hole 12: no existence oracle through workspace names, and an empty PATCH is no error. */
describe('workspace names and restricted tokens', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let restricted: string;
  beforeAll(async () => {
    api = await startApi();
    for (const domain of ['acme', 'hidden']) await api.post('/workspaces', { domain, name: domain });
    restricted = await api.token(['WORKSPACES_MANAGE'], { workspace_restrictions: ['acme', 'acme-next'] });
  });
  afterAll(() => api.close());

  it('a restricted token creates no workspace, taken name or not (403, never 409)', async () => {
    for (const domain of ['hidden', 'brand-new']) {
      const res = await api.post('/workspaces', { domain, name: domain }, restricted);
      expect(res.status).toBe(403);
    }
    expect((await api.get('/workspaces/brand-new')).status).toBe(404);
  });

  it('a restricted token renames only within its restriction, so a hidden taken name looks like any other', async () => {
    const hidden = await api.patch('/workspaces/acme', { domain: 'hidden' }, restricted);
    const free = await api.patch('/workspaces/acme', { domain: 'free-name' }, restricted);
    expect(hidden.status).toBe(403);
    expect(free.status).toBe(403);
    expect(hidden.body.errors[0].message.replace('hidden', 'X')).toBe(
      free.body.errors[0].message.replace('free-name', 'X'),
    );
    const allowed = await api.patch('/workspaces/acme', { domain: 'acme-next' }, restricted);
    expect(allowed.status).toBe(200);
    expect(allowed.body.domain).toBe('acme-next');
  });

  it('an unrestricted token still gets 409 for a taken name', async () => {
    expect((await api.post('/workspaces', { domain: 'hidden', name: 'again' })).status).toBe(409);
  });

  it('a PATCH with nothing to set answers the workspace unchanged', async () => {
    const res = await api.patch('/workspaces/hidden', {});
    expect(res.status).toBe(200);
    expect(res.body.domain).toBe('hidden');
  });
});
