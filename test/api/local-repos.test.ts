import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startApi } from '../support/api-harness.js';

/** Issue 10, hole 6: a project may name a local repository only under a root the operator allows. */
describe('local repository paths', () => {
  const root = mkdtempSync(join(tmpdir(), 'archway-roots-'));
  const allowed = join(root, 'allowed');
  mkdirSync(join(allowed, 'repo'), { recursive: true });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const create = async (api: Awaited<ReturnType<typeof startApi>>, url: string) =>
    api.post('/workspaces/acme/projects', { display_name: `P ${Math.random()}`, custom_repo_url: url });

  it('refuses every local path when no root is configured', async () => {
    const api = await startApi({ ARCHWAY_LOCAL_REPO_ROOTS: '' });
    try {
      await api.post('/workspaces', { domain: 'acme', name: 'Acme' });
      for (const url of [join(allowed, 'repo'), `file://${join(allowed, 'repo')}`]) {
        const res = await create(api, url);
        expect(res.status).toBe(400);
        expect(res.body.errors[0].message).toContain('ARCHWAY_LOCAL_REPO_ROOTS');
      }
      expect((await create(api, 'https://git.example.com/team/app.git')).status).toBe(201);
    } finally {
      await api.close();
    }
  });

  it('allows paths under a root, never the data dir, another root or a link out of the root', async () => {
    const api = await startApi({ ARCHWAY_LOCAL_REPO_ROOTS: `${allowed},${tmpdir()}` });
    try {
      await api.post('/workspaces', { domain: 'acme', name: 'Acme' });
      expect((await create(api, join(allowed, 'repo'))).status).toBe(201);
      const mirror = await create(api, join(api.dataDir, 'git', 'p1.git'));
      expect(mirror.status).toBe(400);
      expect(mirror.body.errors[0].message).toContain('data directory');
      expect((await create(api, `${allowed}/../../..${api.dataDir}/git`)).status).toBe(400);
      symlinkSync(api.dataDir, join(allowed, 'sneaky'));
      expect((await create(api, join(allowed, 'sneaky', 'git'))).status).toBe(400);
    } finally {
      await api.close();
    }
    const narrow = await startApi({ ARCHWAY_LOCAL_REPO_ROOTS: allowed });
    try {
      await narrow.post('/workspaces', { domain: 'acme', name: 'Acme' });
      const outside = await create(narrow, join(root, 'elsewhere'));
      expect(outside.status).toBe(400);
      expect(outside.body.errors[0].message).toContain('outside the allowed roots');
    } finally {
      await narrow.close();
    }
  });

  it('does not echo a password carried in the URL', async () => {
    const api = await startApi();
    try {
      await api.post('/workspaces', { domain: 'acme', name: 'Acme' });
      const res = await create(api, 'https://me:hunter2-secret@git.example.com/team/app.git');
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).not.toContain('hunter2-secret');
      expect(res.body.errors[0].message).toContain('custom_repo_pass');
    } finally {
      await api.close();
    }
  });
});
