import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commit, makeOrigin } from '../git/git-fixtures.js';
import { startApi } from '../support/api-harness.js';

/**
 * Issue 10, holes 4 and 5: no user value adds options to a comma-separated buildah option string, and a value set
 * through `$VAR` is validated by the same rule after substitution; a failure fails the action naming the field,
 * and no job ever carries the value.
 */
describe('values that reach buildah', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let root: string;
  let pipelinePath: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'archway-resolved-'));
    const repo = makeOrigin(root);
    commit(repo.work, 'main', 'Initial commit', { Dockerfile: 'FROM scratch\n' });
    api = await startApi({ ARCHWAY_LOCAL_REPO_ROOTS: root });
    await api.post('/workspaces', { domain: 'acme', name: 'Acme' });
    expect(
      (await api.post('/workspaces/acme/projects', { display_name: 'Site', custom_repo_url: repo.origin })).status,
    ).toBe(201);
    const pipeline = await api.post('/workspaces/acme/projects/site/pipelines', { name: 'Build' });
    pipelinePath = `/workspaces/acme/projects/site/pipelines/${pipeline.body.id}`;
  });
  afterAll(async () => {
    await api.close();
    rmSync(root, { recursive: true, force: true });
  });

  const action = (fields: object) =>
    api.post(`${pipelinePath}/actions`, {
      name: 'build',
      type: 'DOCKER_BUILD_MULTI_ARCH',
      repository: 'team/app',
      ...fields,
    });

  it('refuses a "," in secret_src, secret_id and a FILE variable path at the API', async () => {
    const src = await action({ secret_id: 'npm', secret_src: 'x,src=/etc/shadow' });
    expect(src.status).toBe(400);
    expect(src.body.errors[0].message).toContain('"secret_src" must not contain ","');
    expect((await action({ secret_id: 'a,src=/etc/shadow', secret_src: 'x' })).status).toBe(400);
    const file = await api.post('/workspaces/acme/variables', {
      key: 'KEYFILE',
      value: 'k',
      type: 'FILE',
      file_path: 'a,src=/etc/shadow',
    });
    expect(file.status).toBe(400);
    expect(file.body.errors[0].message).toContain('file_path');
  });

  const jobsHolding = (text: string) => {
    const db = new Database(join(api.dataDir, 'archway.db'), { readonly: true });
    try {
      return (db.prepare('select spec from jobs').all() as { spec: string }[]).filter((r) => r.spec.includes(text))
        .length;
    } finally {
      db.close();
    }
  };

  it.each([
    ['secret_src', { secret_id: 'npm', secret_src: '$SRC' }, 'SRC', 'x,src=/etc/shadow'],
    ['target_stage', { target_stage: '$STAGE' }, 'STAGE', 'prod stage;'],
    ['secret_id', { secret_id: '$SID', secret_src: 'Dockerfile' }, 'SID', 'id,src=/etc/passwd'],
    ['docker_image_tag', { docker_image_tag: '$TAG' }, 'TAG', 'has space'],
    ['repository', { repository: '$REPO' }, 'REPO', 'Upper/Case'],
    ['registry', { registry: '$HOSTNAME_' }, 'HOSTNAME_', 'bad host/x'],
    ['target_platform', { target_platform: '$PLAT' }, 'PLAT', 'linux/s390x'],
  ])(
    'fails the action naming %s when a variable resolves to a bad value, queueing nothing',
    async (field, fields, key, value) => {
      const made = await action(fields);
      expect(made.status).toBe(201);
      const variable = await api.post('/workspaces/acme/variables', {
        key,
        value,
        project: { name: 'site' },
        pipeline: { id: Number(pipelinePath.split('/').pop()) },
      });
      expect(variable.status).toBe(201);
      const run = await api.post(`${pipelinePath}/executions`, {});
      expect(run.status).toBe(200);
      let execution = run.body;
      for (let i = 0; i < 100 && !['FAILED', 'SUCCESSFUL'].includes(execution.status); i++) {
        await sleep(50);
        execution = (await api.get(`${pipelinePath}/executions/${run.body.id}`)).body;
      }
      expect(execution.status).toBe('FAILED');
      const failed = execution.action_executions.find((a: { status: string }) => a.status === 'FAILED');
      expect(failed.error_message ?? execution.error_message).toContain(`"${field}"`);
      expect(jobsHolding(value)).toBe(0);
      await api.del(`${pipelinePath}/actions/${made.body.id}`);
      await api.del(`/workspaces/acme/variables/${variable.body.id}`);
    },
  );
});
