import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type Api } from '../support/api-harness.js';

const VARS = '/workspaces/acme/variables';
const keys = (res: { body: { variables: Array<{ key: string }> } }) => res.body.variables.map((v) => v.key);

describe('variables: CRUD at every scope and the list filters', () => {
  let api: Api;
  let pipelineId: number;
  let actionId: number;
  beforeAll(async () => {
    api = await startApi();
    let actions: string;
    ({ pipelineId, actions } = await api.seedPipeline());
    actionId = (await api.post(actions, { type: 'DOCKER_BUILD_MULTI_ARCH', name: 'build' })).body.id;
  });
  afterAll(() => api.close());

  it("adds a variable at the workspace, project, pipeline and action scope with Buddy's shape", async () => {
    const ws = await api.post(VARS, { key: 'REGION', value: 'eu', description: 'where' });
    expect(ws.status).toBe(201);
    expect(ws.body).toEqual({
      url: `https://ci.example.com/workspaces/acme/variables/${ws.body.id}`,
      html_url: 'https://ci.example.com/app/acme/variables',
      id: expect.any(Number),
      key: 'REGION',
      value: 'eu',
      type: 'VAR',
      encrypted: false,
      settable: false,
      description: 'where',
      file_path: null,
      file_chmod: null,
      file_place: 'NONE',
    });
    const project = await api.post(VARS, {
      key: 'REGION',
      value: 'us',
      project: { name: 'company-website' },
      settable: true,
    });
    expect(project.status).toBe(201);
    expect(project.body).toMatchObject({
      key: 'REGION',
      value: 'us',
      settable: true,
      project: { name: 'company-website', url: 'https://ci.example.com/workspaces/acme/projects/company-website' },
    });
    expect(project.body.pipeline).toBeUndefined();
    const pipeline = await api.post(VARS, {
      key: 'targetStage',
      value: 'prod',
      project: { name: 'company-website' },
      pipeline: { id: pipelineId },
    });
    expect(pipeline.body).toMatchObject({ project: { name: 'company-website' }, pipeline: { id: pipelineId } });
    // An action implies its pipeline and project.
    const action = await api.post(VARS, { key: 'secretId', value: 'npm', action: { id: actionId } });
    expect(action.status).toBe(201);
    expect(action.body).toMatchObject({
      project: { name: 'company-website' },
      pipeline: { id: pipelineId },
      action: { id: actionId },
    });
    expect((await api.get(`${VARS}/${action.body.id}`)).body).toEqual(action.body);
  });

  it('filters return the variables defined at exactly that scope', async () => {
    expect(keys(await api.get(VARS))).toEqual(['REGION']);
    const project = await api.get(`${VARS}?projectName=company-website`);
    expect(project.body.url).toBe('https://ci.example.com/workspaces/acme/variables');
    expect(project.body.variables).toEqual([expect.objectContaining({ key: 'REGION', value: 'us' })]);
    expect(keys(await api.get(`${VARS}?projectName=company-website&pipelineId=${pipelineId}`))).toEqual([
      'targetStage',
    ]);
    expect(keys(await api.get(`${VARS}?pipelineId=${pipelineId}`))).toEqual(['targetStage']);
    expect(keys(await api.get(`${VARS}?pipelineId=${pipelineId}&actionId=${actionId}`))).toEqual(['secretId']);
    expect(keys(await api.get(`${VARS}?actionId=${actionId}`))).toEqual(['secretId']);
    const missing = await api.get(`${VARS}?projectName=nope`);
    expect(missing.status).toBe(404);
    expect(missing.body.errors[0].message).toMatch(/Project "nope" not found/);
    expect((await api.get(`${VARS}?pipelineId=99999`)).status).toBe(404);
    expect((await api.get(`${VARS}?actionId=99999`)).status).toBe(404);
    expect((await api.get(`${VARS}?pipelineId=abc`)).status).toBe(400);
  });

  it('gives a run the stored layers in force, outermost first, that resolve innermost first', async () => {
    const { createStoredVariableLayers } = await import('../../src/app/variables.js');
    const { createSecretBox } = await import('../../src/secrets/secret-box.js');
    const { loadSecretKey } = await import('../../src/secrets/key-source.js');
    const { mergeVariableLayers, resolveText } = await import('../../src/domain/variable-resolution.js');
    await api.post(VARS, { key: 'TOKEN', value: 'layer-secret', encrypted: true, pipeline: { id: pipelineId } });
    const { store } = api.core;
    const workspace = (await store.workspaces.byDomain('acme'))!;
    const project = (await store.projects.byName(workspace.id, 'company-website'))!;
    const pipeline = (await store.pipelines.byId(project.id, pipelineId))!;
    const action = (await store.actions.byId(pipelineId, actionId))!;
    const layers = await createStoredVariableLayers(
      store,
      createSecretBox(loadSecretKey({ dataDir: api.dataDir })),
    ).layers({ project, pipeline, action });
    expect(layers.map((layer) => layer.map((v) => `${v.key}=${v.value}`))).toEqual([
      ['REGION=eu'],
      ['REGION=us'],
      ['targetStage=prod', 'TOKEN=layer-secret'],
      ['secretId=npm'],
    ]);
    const scopes = ['WORKSPACE', 'PROJECT', 'PIPELINE', 'ACTION'] as const;
    const map = mergeVariableLayers(layers.map((variables, i) => ({ scope: scopes[i]!, variables })).reverse());
    expect(resolveText('$REGION/$targetStage/${secretId}:$TOKEN', map, 'docker_image_tag')).toBe(
      'us/prod/npm:layer-secret',
    );
  });

  it('PATCH changes only the fields sent; DELETE answers 204', async () => {
    const created = await api.post(VARS, { key: 'TMP', value: 'one', description: 'keep me' });
    const url = `${VARS}/${created.body.id}`;
    const patched = await api.patch(url, { value: 'two' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ key: 'TMP', value: 'two', description: 'keep me' });
    expect((await api.patch(url, { description: null, key: 'TMP2' })).body).toMatchObject({
      key: 'TMP2',
      value: 'two',
      description: null,
    });
    // Echoing the whole object back (with its scope) is fine; moving it to another scope is not.
    expect((await api.patch(url, { ...patched.body, key: 'TMP2' })).status).toBe(200);
    const moved = await api.patch(url, { project: { name: 'company-website' } });
    expect(moved.status).toBe(400);
    expect(moved.body.errors[0].message).toMatch(/cannot be changed/);
    expect((await api.del(url)).status).toBe(204);
    expect((await api.get(url)).status).toBe(404);
    expect((await api.del(url)).status).toBe(404);
  });

  it('keeps keys unique per scope, not across scopes', async () => {
    const again = await api.post(VARS, { key: 'REGION', value: 'x' });
    expect(again.status).toBe(409);
    expect(again.body.errors[0].message).toMatch(/"REGION" already exists at this scope/);
    expect((await api.post(VARS, { key: 'REGION', value: 'x', project: { name: 'company-website' } })).status).toBe(
      409,
    );
    expect((await api.post(VARS, { key: 'REGION', value: 'x', pipeline: { id: pipelineId } })).status).toBe(201);
    const other = await api.post(VARS, { key: 'OTHER', value: 'x' });
    expect((await api.patch(`${VARS}/${other.body.id}`, { key: 'REGION' })).status).toBe(409);
    expect((await api.get(`${VARS}/${other.body.id}`)).body.key).toBe('OTHER');
  });

  it('deleting an action, pipeline or project removes its variables (and only those)', async () => {
    const p2 = await api.post('/workspaces/acme/projects', { display_name: 'Second' });
    expect(p2.status).toBe(201);
    const pl = await api.post('/workspaces/acme/projects/second/pipelines', { name: 'P' });
    const act = await api.post(`/workspaces/acme/projects/second/pipelines/${pl.body.id}/actions`, {
      type: 'DOCKER_BUILD_MULTI_ARCH',
      name: 'a',
    });
    const ids = [
      (await api.post(VARS, { key: 'P', value: '1', project: { name: 'second' } })).body.id,
      (await api.post(VARS, { key: 'PL', value: '1', pipeline: { id: pl.body.id } })).body.id,
      (await api.post(VARS, { key: 'A', value: '1', action: { id: act.body.id } })).body.id,
    ];
    expect(
      (await api.del(`/workspaces/acme/projects/second/pipelines/${pl.body.id}/actions/${act.body.id}`)).status,
    ).toBe(204);
    expect((await api.get(`${VARS}/${ids[2]}`)).status).toBe(404);
    expect((await api.get(`${VARS}/${ids[1]}`)).status).toBe(200);
    expect((await api.del('/workspaces/acme/projects/second')).status).toBe(204);
    for (const id of ids) expect((await api.get(`${VARS}/${id}`)).status).toBe(404);
    expect(keys(await api.get(VARS))).toContain('REGION');
    const workspace = (await api.core.store.workspaces.byDomain('acme'))!;
    expect(
      (await api.core.store.variables.inForce(workspace.id, { projectId: null, pipelineId: null, actionId: null })).map(
        (v) => v.key,
      ),
    ).toEqual(['REGION', 'OTHER']);
  });
});

describe('variables: encrypted values', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi();
    await api.seedPipeline();
  });
  afterAll(() => api.close());

  const openSecret = async (sealed: string) => {
    const { createSecretBox } = await import('../../src/secrets/secret-box.js');
    const { loadSecretKey } = await import('../../src/secrets/key-source.js');
    const workspaceId = (await api.core.store.workspaces.byDomain('acme'))!.id;
    return createSecretBox(loadSecretKey({ dataDir: api.dataDir })).open(sealed, `ws:${workspaceId}:variable`);
  };
  const onDisk = (text: string) =>
    ['archway.db', 'archway.db-wal'].some((f) => readFileSync(`${api.dataDir}/${f}`).includes(Buffer.from(text)));

  it('never returns nor stores an encrypted value in plain text, and keeps it across an echo', async () => {
    const created = await api.post(VARS, {
      key: 'NPM_TOKEN',
      value: 'npm-secret-value-1',
      encrypted: true,
      project: { name: 'company-website' },
    });
    expect(created.status).toBe(201);
    expect(created.body.value).toMatch(/^!encrypted v2\./);
    expect(JSON.stringify(created.body)).not.toContain('npm-secret-value-1');
    const url = `${VARS}/${created.body.id}`;
    expect(JSON.stringify((await api.get(`${VARS}?projectName=company-website`)).body)).not.toContain(
      'npm-secret-value-1',
    );
    const echoed = await api.patch(url, { ...created.body, description: 'npm' });
    expect(echoed.status).toBe(200);
    expect(echoed.body.value).toBe(created.body.value);
    const stored = (await api.core.store.variables.byId(1, created.body.id))!;
    expect(await openSecret(stored.value)).toBe('npm-secret-value-1');
    const rotated = await api.patch(url, { value: 'npm-secret-value-2' });
    expect(rotated.body.value).not.toBe(created.body.value);
    expect(await openSecret((await api.core.store.variables.byId(1, created.body.id))!.value)).toBe(
      'npm-secret-value-2',
    );
    expect(onDisk('npm-secret-value-1')).toBe(false);
    expect(onDisk('npm-secret-value-2')).toBe(false);
  });

  it('encrypts a plain value on PATCH encrypted: true, and will not reveal a secret by switching it off', async () => {
    const created = await api.post(VARS, { key: 'LATER', value: 'later-secret-value' });
    const url = `${VARS}/${created.body.id}`;
    const sealed = await api.patch(url, { encrypted: true });
    expect(sealed.body).toMatchObject({ encrypted: true, value: expect.stringMatching(/^!encrypted /) });
    const reveal = await api.patch(url, { encrypted: false });
    expect(reveal.status).toBe(400);
    expect(reveal.body.errors[0].message).toMatch(/send its plain "value"/);
    const echo = await api.patch(url, { encrypted: false, value: sealed.body.value });
    expect(echo.status).toBe(400);
    expect((await api.get(url)).body.encrypted).toBe(true);
    expect((await api.patch(url, { encrypted: false, value: 'now-public' })).body).toMatchObject({
      encrypted: false,
      value: 'now-public',
    });
  });
});

describe('variables: scopes, workspace restriction and validation', () => {
  let api: Api;
  let pipelineId: number;
  beforeAll(async () => {
    api = await startApi();
    ({ pipelineId } = await api.seedPipeline());
    await api.post('/workspaces', { domain: 'other', name: 'Other' });
    await api.post('/workspaces/other/projects', { display_name: 'Elsewhere' });
    await api.post('/workspaces/acme/projects', { display_name: 'Third' });
  });
  /** Every variable of "acme" at the scopes these tests can reach. */
  const total = async () => {
    const lists = await Promise.all(
      [
        VARS,
        `${VARS}?projectName=company-website`,
        `${VARS}?projectName=third`,
        `${VARS}?pipelineId=${pipelineId}`,
      ].map((u) => api.get(u)),
    );
    return lists.reduce((n, res) => n + res.body.variables.length, 0);
  };
  afterAll(() => api.close());

  it('needs VARIABLE_INFO to read, VARIABLE_ADD to add, VARIABLE_MANAGE to edit and delete', async () => {
    const [info, add, manage, none] = await Promise.all([
      api.token(['VARIABLE_INFO']),
      api.token(['VARIABLE_ADD']),
      api.token(['VARIABLE_MANAGE']),
      api.token(['WORKSPACE']),
    ]);
    expect((await api.get(VARS, none)).status).toBe(403);
    expect((await api.get(VARS, info)).status).toBe(200);
    const denied = await api.post(VARS, { key: 'A', value: '1' }, info);
    expect(denied.status).toBe(403);
    expect(denied.body.errors[0].message).toMatch(/VARIABLE_ADD/);
    const created = await api.post(VARS, { key: 'A', value: '1' }, add);
    expect(created.status).toBe(201);
    const url = `${VARS}/${created.body.id}`;
    expect((await api.get(url, add)).status).toBe(200);
    expect((await api.patch(url, { value: '2' }, add)).status).toBe(403);
    expect((await api.del(url, add)).status).toBe(403);
    expect((await api.patch(url, { value: '2' }, manage)).status).toBe(200);
    expect((await api.del(url, manage)).status).toBe(204);
    expect((await api.get(VARS, null)).status).toBe(401);
  });

  it("404 for a workspace outside the token's restriction, as for one that does not exist", async () => {
    const restricted = await api.token(['VARIABLE_MANAGE'], { workspace_restrictions: ['acme'] });
    const hidden = await api.post('/workspaces/other/variables', { key: 'X', value: '1' });
    expect(hidden.status).toBe(201);
    expect((await api.get('/workspaces/other/variables', restricted)).status).toBe(404);
    expect((await api.get(`/workspaces/other/variables/${hidden.body.id}`, restricted)).status).toBe(404);
    expect((await api.post('/workspaces/other/variables', { key: 'Y', value: '1' }, restricted)).status).toBe(404);
    expect((await api.get(VARS, restricted)).status).toBe(200);
    // A variable id of another workspace is not found through this one.
    expect((await api.get(`${VARS}/${hidden.body.id}`)).status).toBe(404);
    expect((await api.get('/workspaces/nope/variables')).status).toBe(404);
  });

  const matrix: Array<[string, Record<string, unknown>, RegExp]> = [
    ['no key', { value: '1' }, /"key" is required/],
    ['no value', { key: 'K' }, /"value" is required/],
    ['bad key', { key: '1ABC', value: '1' }, /"key" must be letters, digits or "_"/],
    ['key with a dash', { key: 'A-B', value: '1' }, /"key" must be/],
    ['unknown type', { key: 'K', value: '1', type: 'SECRET' }, /"type" must be one of: VAR, FILE, SSH_KEY/],
    [
      'unknown file_place',
      { key: 'K', value: '1', type: 'FILE', file_path: 'a', file_place: 'HOST' },
      /"file_place" must be one of: CONTAINER, NONE/,
    ],
    ['FILE without file_path', { key: 'K', value: '1', type: 'FILE' }, /type FILE needs a "file_path"/],
    [
      'FILE outside the repository',
      { key: 'K', value: '1', type: 'FILE', file_path: '../../etc/passwd' },
      /must stay inside the repository/,
    ],
    ['FILE at the root', { key: 'K', value: '1', type: 'FILE', file_path: '/' }, /"file_path" must name a file/],
    [
      'chmod not octal',
      { key: 'K', value: '1', type: 'FILE', file_path: 'a', file_chmod: '999' },
      /"file_chmod" must be octal/,
    ],
    ['value not a string', { key: 'K', value: 5 }, /"value" must be string/],
    ['encrypted not a boolean', { key: 'K', value: '1', encrypted: 'yes' }, /"encrypted" must be boolean/],
    [
      'missing project',
      { key: 'K', value: '1', project: { name: 'nope' } },
      /Project "nope" not found in workspace "acme"/,
    ],
    ['missing pipeline', { key: 'K', value: '1', pipeline: { id: 99999 } }, /Pipeline 99999 not found/],
    ['missing action', { key: 'K', value: '1', action: { id: 99999 } }, /Action 99999 not found/],
    [
      'pipeline of another project',
      { key: 'K', value: '1', project: { name: 'third' }, pipeline: { id: 1 } },
      /Pipeline 1 is not in project "third"/,
    ],
    [
      'action of another pipeline',
      { key: 'K', value: '1', pipeline: { id: 1 }, action: { id: 99999 } },
      /Action 99999 not found/,
    ],
    [
      'project of another workspace',
      { key: 'K', value: '1', project: { name: 'elsewhere' } },
      /Project "elsewhere" not found in workspace "acme"/,
    ],
  ];
  it.each(matrix)('400 and nothing written: %s', async (_name, body, message) => {
    const before = await total();
    const res = await api.post(VARS, body);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toMatch(message);
    expect(await total()).toBe(before);
  });

  it('a pipeline of another workspace is not found, and a FILE variable keeps its file fields', async () => {
    const foreign = await api.post('/workspaces/other/projects/elsewhere/pipelines', { name: 'Far' });
    const res = await api.post(VARS, { key: 'K', value: '1', pipeline: { id: foreign.body.id } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toMatch(new RegExp(`Pipeline ${foreign.body.id} not found in workspace "acme"`));
    const file = await api.post(VARS, {
      key: 'NPMRC',
      value: '//registry/:_authToken=x',
      type: 'FILE',
      file_path: '/secrets/.npmrc',
      file_chmod: '600',
      pipeline: { id: pipelineId },
    });
    expect(file.status).toBe(201);
    expect(file.body).toMatchObject({
      type: 'FILE',
      file_path: 'secrets/.npmrc',
      file_chmod: '600',
      file_place: 'CONTAINER',
    });
    const plain = await api.patch(`${VARS}/${file.body.id}`, { type: 'VAR' });
    expect(plain.body).toMatchObject({ type: 'VAR', file_path: null, file_chmod: null, file_place: 'NONE' });
    const bad = await api.patch(`${VARS}/${file.body.id}`, { type: 'FILE' });
    expect(bad.status).toBe(400);
    expect((await api.get(`${VARS}/${file.body.id}`)).body.type).toBe('VAR');
  });
});
