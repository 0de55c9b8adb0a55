import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type Api } from '../support/api-harness.js';

describe('workspaces, projects and pipelines', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi({ ARCHWAY_LOCAL_REPO_ROOTS: '/srv/git' }); // a root the repository paths below lie under
  });
  afterAll(() => api.close());

  it('creates, lists, patches and deletes a workspace', async () => {
    const created = await api.post('/workspaces', { domain: 'team-1', name: 'Team One' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      url: 'https://ci.example.com/workspaces/team-1',
      html_url: 'https://ci.example.com/app/team-1',
      domain: 'team-1',
      name: 'Team One',
      frozen: false,
    });
    expect((await api.post('/workspaces', { domain: 'team-1' })).status).toBe(409);
    expect((await api.post('/workspaces', { domain: '-bad-' })).body.errors[0].message).toMatch(/"domain" must be/);
    const patched = await api.patch('/workspaces/team-1', { name: 'Renamed' });
    expect(patched.body).toMatchObject({ name: 'Renamed', domain: 'team-1' });
    expect((await api.del('/workspaces/team-1')).status).toBe(204);
    expect((await api.get('/workspaces/team-1')).status).toBe(404);
  });

  it('derives a project name from display_name and fills the repository fields', async () => {
    await api.post('/workspaces', { domain: 'acme' });
    const res = await api.post('/workspaces/acme/projects', {
      display_name: 'Company Website',
      custom_repo_url: '/srv/git/site.git',
      custom_repo_user: 'ci',
      custom_repo_pass: 's3cr3t-pass',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'company-website',
      display_name: 'Company Website',
      status: 'ACTIVE',
      access: 'PRIVATE',
      http_repository: '/srv/git/site.git',
      default_branch: 'master',
      url: 'https://ci.example.com/workspaces/acme/projects/company-website',
      html_url: 'https://ci.example.com/app/acme/company-website',
    });
    expect(res.body.created_by).toMatchObject({ name: 'admin' });
    expect(JSON.stringify(res.body)).not.toContain('s3cr3t-pass');
    const db = readFileSync(`${api.dataDir}/archway.db`);
    expect(db.includes(Buffer.from('s3cr3t-pass'))).toBe(false);
  });

  it('refuses repository URLs git would run as commands or options', async () => {
    for (const url of [
      'ext::sh -c touch% /tmp/pwned',
      '--upload-pack=touch /tmp/x',
      'relative/path',
      'https://user:pw@example.com/r.git',
    ]) {
      const res = await api.post('/workspaces/acme/projects', { display_name: 'Bad', custom_repo_url: url });
      expect(res.status, url).toBe(400);
      expect(res.body.errors[0].message).toMatch(/custom_repo_url/);
    }
    expect((await api.get('/workspaces/acme/projects/bad')).status).toBe(404);
  });

  it("paginates with Buddy's envelope, an empty page past the end, and sort_by", async () => {
    for (const name of ['Zeta', 'Alpha', 'Mid']) await api.post('/workspaces/acme/projects', { display_name: name });
    const page1 = await api.get('/workspaces/acme/projects?per_page=2&page=1&sort_by=name&sort_direction=ASC');
    expect(page1.body.url).toBe('https://ci.example.com/workspaces/acme/projects');
    expect(page1.body.projects.map((p: { name: string }) => p.name)).toEqual(['alpha', 'company-website']);
    const page2 = await api.get('/workspaces/acme/projects?per_page=2&page=2&sort_by=name');
    expect(page2.body.projects.map((p: { name: string }) => p.name)).toEqual(['mid', 'zeta']);
    const past = await api.get('/workspaces/acme/projects?per_page=2&page=9');
    expect(past.status).toBe(200);
    expect(past.body.projects).toEqual([]);
    const desc = await api.get('/workspaces/acme/projects?sort_by=name&sort_direction=DESC');
    expect(desc.body.projects[0].name).toBe('zeta');
    expect((await api.get('/workspaces/acme/projects?sort_by=size')).status).toBe(400);
    expect((await api.get('/workspaces/acme/projects?per_page=0')).status).toBe(400);
    const all = await api.get('/workspaces/acme/projects');
    expect(Object.keys(all.body.projects[0]).sort()).toEqual(['display_name', 'html_url', 'name', 'status', 'url']);
  });

  it('accepts the three pipeline trigger generations and answers with a superset', async () => {
    const base = '/workspaces/acme/projects/company-website/pipelines';
    const legacy = await api.post(base, { name: 'Legacy', trigger_mode: 'ON_EVERY_PUSH', ref_name: 'main' });
    expect(legacy.status).toBe(201);
    expect(legacy.body).toMatchObject({
      trigger_mode: 'ON_EVERY_PUSH',
      ref_name: 'main',
      on: 'EVENT',
      events: [{ type: 'PUSH', refs: ['main'] }],
      last_execution_status: 'INITIAL',
      cache_scope: 'PIPELINE',
      priority: 'NORMAL',
    });
    const v11 = await api.post(base, { name: 'Nightly', on: 'SCHEDULE', cron: '0 2 * * *' });
    expect(v11.body).toMatchObject({
      on: 'SCHEDULE',
      trigger_mode: 'SCHEDULED',
      cron: '0 2 * * *',
      events: [{ type: 'SCHEDULE', cron: '0 2 * * *' }],
    });
    const current = await api.post(base, {
      name: 'Current',
      events: [{ type: 'PUSH', refs: ['refs/heads/*'] }],
      priority: 'HIGH',
      cache_scope: 'WORKSPACE',
      cpu: 'ARM',
      clone_depth: 1,
    });
    expect(current.body).toMatchObject({
      on: 'EVENT',
      trigger_mode: 'ON_EVERY_PUSH',
      ref_name: 'refs/heads/*',
      priority: 'HIGH',
      cache_scope: 'WORKSPACE',
      cpu: 'ARM',
      clone_depth: 1,
    });
    const manual = await api.post(base, { name: 'Manual' });
    expect(manual.body).toMatchObject({
      on: 'CLICK',
      trigger_mode: 'MANUAL',
      events: [],
      identifier: 'manual',
      last_execution_revision: null,
    });
    expect((await api.post(base, { name: 'x', cache_scope: 'GLOBAL' })).body.errors[0].message).toMatch(
      /"cache_scope" must be one of: WORKSPACE, PROJECT, PIPELINE/,
    );
    expect((await api.post(base, { name: 'x', trigger_mode: 'SOMETIMES' })).status).toBe(400);
    const patched = await api.patch(`${base}/${manual.body.id}`, { trigger_mode: 'ON_EVERY_PUSH', ref_name: 'dev' });
    expect(patched.body).toMatchObject({ name: 'Manual', trigger_mode: 'ON_EVERY_PUSH', ref_name: 'dev' });
    const list = await api.get(`${base}?sort_by=name&per_page=2`);
    expect(list.body.pipelines.map((p: { name: string }) => p.name)).toEqual(['Current', 'Legacy']);
    expect((await api.del(`${base}/${manual.body.id}`)).status).toBe(204);
    expect((await api.get(`${base}/${manual.body.id}`)).status).toBe(404);
  });
});

describe('actions: order, PATCH, DELETE, secrets', () => {
  let api: Api;
  let actions: string;
  beforeAll(async () => {
    api = await startApi();
    ({ actions } = await api.seedPipeline());
  });
  afterAll(() => api.close());
  const add = (body: Record<string, unknown>) => api.post(actions, { type: 'DOCKER_BUILD_MULTI_ARCH', ...body });
  const names = async () => (await api.get(actions)).body.actions.map((a: { name: string }) => a.name);

  it('keeps pipeline order, inserts after after_action_id, and closes gaps on delete', async () => {
    const a = await add({ name: 'a' });
    const c = await add({ name: 'c' });
    await add({ name: 'b', after_action_id: a.body.id });
    await add({ name: 'd' });
    expect(await names()).toEqual(['a', 'b', 'c', 'd']);
    expect((await api.del(`${actions}/${c.body.id}`)).status).toBe(204);
    expect(await names()).toEqual(['a', 'b', 'd']);
    await add({ name: 'a2', after_action_id: a.body.id });
    expect(await names()).toEqual(['a', 'a2', 'b', 'd']);
    const page = await api.get(`${actions}?per_page=2&page=2`);
    expect(page.body.actions.map((x: { name: string }) => x.name)).toEqual(['b', 'd']);
    expect((await api.get(`${actions}/${c.body.id}`)).status).toBe(404);
  });

  it('PATCH changes only the fields sent and refuses to change the type', async () => {
    const created = await add({
      name: 'p',
      target_platform: 'linux/arm64',
      build_args: ['A=1'],
      docker_image_tag: 'v1',
      repository: 'team/app',
    });
    const url = `${actions}/${created.body.id}`;
    const patched = await api.patch(url, { docker_image_tag: 'v2' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      name: 'p',
      target_platform: 'linux/arm64',
      build_args: ['A=1'],
      docker_image_tag: 'v2',
      repository: 'team/app',
    });
    const cleared = await api.patch(url, { docker_image_tag: null, target_platform: ['linux/amd64', 'linux/arm/v6'] });
    expect(cleared.body).toMatchObject({ docker_image_tag: null, target_platform: 'linux/amd64,linux/arm/v6' });
    const typeChange = await api.patch(url, { type: 'BUILD' });
    expect(typeChange.status).toBe(400);
    expect(typeChange.body.errors[0].message).toMatch(/cannot be changed/);
    const bad = await api.patch(url, { target_platform: 'linux/mips', docker_image_tag: 'v9' });
    expect(bad.status).toBe(400);
    expect((await api.get(url)).body.docker_image_tag).toBeNull();
  });

  it('never returns the password or encrypted variables in plain text, and keeps them across an echo', async () => {
    const created = await add({
      name: 's',
      login: 'ci',
      password: 'hunter2-secret',
      registry: '127.0.0.1:5000',
      repository: 'team/app',
      variables: [
        { key: 'TOKEN', value: 'var-secret-value', encrypted: true },
        { key: 'PLAIN', value: 'visible' },
      ],
    });
    expect(created.status).toBe(201);
    const text = JSON.stringify(created.body);
    expect(text).not.toContain('hunter2-secret');
    expect(text).not.toContain('var-secret-value');
    expect(created.body.password).toMatch(/^!encrypted /);
    expect(created.body.variables).toEqual([
      expect.objectContaining({ key: 'TOKEN', encrypted: true, value: expect.stringMatching(/^!encrypted /) }),
      expect.objectContaining({ key: 'PLAIN', encrypted: false, value: 'visible' }),
    ]);
    const url = `${actions}/${created.body.id}`;
    // A client that PATCHes back what it read must not double-encrypt.
    const echoed = await api.patch(url, { password: created.body.password, variables: created.body.variables });
    expect(echoed.status).toBe(200);
    const { core } = api;
    const stored = await core.store.actions.byId(created.body.pipeline.id, created.body.id);
    const secrets = (await import('../../src/secrets/secret-box.js')).createSecretBox(
      (await import('../../src/secrets/key-source.js')).loadSecretKey({ dataDir: api.dataDir }),
    );
    const workspaceId = (await core.store.workspaces.byDomain('acme'))!.id;
    expect(secrets.open(stored!.build.passwordEncrypted!, `ws:${workspaceId}:action.password`)).toBe('hunter2-secret');
    expect(secrets.open(stored!.variables[0]!.value, `ws:${workspaceId}:action.variable`)).toBe('var-secret-value');
    const db = readFileSync(`${api.dataDir}/archway.db`);
    expect(db.includes(Buffer.from('hunter2-secret'))).toBe(false);
    const wal = readFileSync(`${api.dataDir}/archway.db-wal`);
    expect(wal.includes(Buffer.from('hunter2-secret'))).toBe(false);
  });

  it('deleting a pipeline removes its actions', async () => {
    const pipelinePath = actions.replace(/\/actions$/, '');
    expect((await api.del(pipelinePath)).status).toBe(204);
    expect((await api.get(actions)).status).toBe(404);
    expect(await api.core.store.actions.count(Number(pipelinePath.split('/').pop()))).toBe(0);
  });
});

describe('openapi.json', () => {
  it('serves the document generated from the route schemas, without a token', async () => {
    const api = await startApi();
    try {
      const res = await api.get('/openapi.json', null);
      expect(res.status).toBe(200);
      expect(res.body.openapi).toMatch(/^3\./);
      const post = res.body.paths['/workspaces/{domain}/projects/{project_name}/pipelines/{pipeline_id}/actions'].post;
      const body = post.requestBody.content['application/json'].schema;
      expect(Object.keys(body.properties)).toEqual(
        expect.arrayContaining([
          'dockerfile_path',
          'target_platform',
          'secret_id',
          'secret_src',
          'cache_mode',
          'integration_hash',
        ]),
      );
      expect(post.responses['201']).toBeDefined();
    } finally {
      await api.close();
    }
  });
});
