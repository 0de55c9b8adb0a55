import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type Api } from '../support/api-harness.js';

const INTS = '/workspaces/acme/integrations';
const BUILD = { name: 'push', type: 'DOCKER_BUILD_MULTI_ARCH' };
const PRIVATE_KEY = generateKeyPairSync('rsa', { modulusLength: 1024 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

describe('actions reference integrations', () => {
  let api: Api;
  let actions: string;
  let pipelineId: number;
  let otherActions: string;
  const hash: Record<'docker' | 'aws' | 'gcp' | 'local' | 'narrow', string> = {
    docker: '',
    aws: '',
    gcp: '',
    local: '',
    narrow: '',
  };
  const add = async (body: Record<string, unknown>) => {
    const res = await api.post(INTS, body);
    if (res.status !== 201) throw new Error(`integration: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.hash_id as string;
  };
  beforeAll(async () => {
    api = await startApi();
    ({ actions, pipelineId } = await api.seedPipeline());
    await api.post('/workspaces/acme/projects', { display_name: 'Tools' });
    const other = await api.post('/workspaces/acme/projects/tools/pipelines', { name: 'Nightly' });
    otherActions = `/workspaces/acme/projects/tools/pipelines/${other.body.id}/actions`;
    hash.docker = await add({ name: 'Docker Hub', type: 'DOCKER_HUB', username: 'bot', password: 'pw-secret-1' });
    hash.aws = await add({ name: 'AWS', type: 'AMAZON', access_key: 'AKIAEXAMPLE', secret_key: 'aws-secret-1' });
    hash.gcp = await add({
      name: 'GCP',
      type: 'GOOGLE_SERVICE_ACCOUNT',
      api_key: JSON.stringify({
        type: 'service_account',
        client_email: 'ci@p.iam.gserviceaccount.com',
        private_key: PRIVATE_KEY,
      }),
    });
    hash.local = await add({
      name: 'Tools hub',
      type: 'DOCKER_HUB',
      scope: 'PROJECT',
      project_name: 'tools',
      username: 'bot',
      password: 'pw-secret-2',
    });
    hash.narrow = await add({
      name: 'Only Build',
      type: 'DOCKER_HUB',
      username: 'bot',
      password: 'pw-secret-3',
      all_pipelines_allowed: false,
      allowed_pipelines: [{ id: pipelineId }],
    });
  });
  afterAll(() => api.close());

  it('accepts a fitting integration by integration_hash, integration {hash_id} or identifier', async () => {
    const byHash = await api.post(actions, { ...BUILD, repository: 'acme/web', integration_hash: hash.docker });
    expect(byHash.status, JSON.stringify(byHash.body)).toBe(201);
    expect(byHash.body).toMatchObject({
      docker_registry: 'DOCKER_HUB',
      integration_hash: hash.docker,
      integration: { hash_id: hash.docker },
    });
    const byObject = await api.post(actions, {
      ...BUILD,
      docker_registry: 'AMAZON_ECR',
      region: 'eu-west-1',
      repository: 'web',
      integration: { hash_id: hash.aws },
    });
    expect(byObject.status, JSON.stringify(byObject.body)).toBe(201);
    expect(byObject.body.integration_hash).toBe(hash.aws);
    const byIdentifier = await api.post(actions, {
      ...BUILD,
      registry: 'eu.gcr.io',
      repository: 'p/web',
      integration: 'gcp',
    });
    expect(byIdentifier.status, JSON.stringify(byIdentifier.body)).toBe(201);
    expect(byIdentifier.body).toMatchObject({ docker_registry: 'GOOGLE_GCR', integration_hash: hash.gcp });
    const artifact = await api.post(actions, {
      ...BUILD,
      registry: 'europe-west1-docker.pkg.dev',
      repository: 'p/r/web',
      integration_hash: hash.gcp,
    });
    expect(artifact.body).toMatchObject({ docker_registry: 'GOOGLE_ARTIFACT_REGISTRY', integration_hash: hash.gcp });
    expect((await api.post(actions, { ...BUILD, repository: 'acme/web', integration_hash: hash.narrow })).status).toBe(
      201,
    );
    expect(
      (await api.post(otherActions, { ...BUILD, repository: 'acme/tools', integration_hash: hash.local })).status,
    ).toBe(201);
  });

  const rejected: Array<[string, () => Record<string, unknown>, RegExp]> = [
    [
      'an unknown hash',
      () => ({ integration_hash: '0123456789abcdef012345678', repository: 'a/b' }),
      /Integration "0123456789abcdef012345678" not found in workspace "acme"/,
    ],
    [
      'an AMAZON integration for Docker Hub',
      () => ({ docker_registry: 'DOCKER_HUB', integration_hash: hash.aws, repository: 'a/b' }),
      /is of type AMAZON, but "docker_registry" DOCKER_HUB needs a DOCKER_HUB integration/,
    ],
    [
      'a Docker Hub integration for ECR',
      () => ({ region: 'us-east-1', integration_hash: hash.docker, repository: 'a' }),
      /is of type DOCKER_HUB, but "docker_registry" AMAZON_ECR needs a AMAZON integration/,
    ],
    [
      'an AMAZON integration for GCR',
      () => ({ registry: 'gcr.io', integration_hash: hash.aws, repository: 'p/a' }),
      /"docker_registry" GOOGLE_GCR needs a GOOGLE_SERVICE_ACCOUNT integration/,
    ],
    [
      'a Google integration for Docker Hub',
      () => ({ integration: { hash_id: hash.gcp }, repository: 'a/b' }),
      /is of type GOOGLE_SERVICE_ACCOUNT/,
    ],
    [
      "another project's integration",
      () => ({ integration_hash: hash.local, repository: 'a/b' }),
      /belongs to another project \(scope PROJECT\); it cannot be used in project "company-website"/,
    ],
  ];
  it.each(rejected)('400 for %s, and nothing written', async (_name, body, message) => {
    const before = (await api.get(actions)).body.actions.length;
    const res = await api.post(actions, { ...BUILD, ...body() });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toMatch(message);
    expect((await api.get(actions)).body.actions.length).toBe(before);
  });

  it('400 for a pipeline outside allowed_pipelines, on add and on PATCH', async () => {
    const res = await api.post(otherActions, { ...BUILD, repository: 'a/b', integration_hash: hash.narrow });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toMatch(
      new RegExp(`Integration "${hash.narrow}" \\("Only Build"\\) is not allowed in pipeline \\d+`),
    );
    const plain = await api.post(otherActions, { ...BUILD, name: 'plain', repository: 'registry.example.com/a' });
    const patched = await api.patch(`${otherActions}/${plain.body.id}`, {
      integration_hash: hash.narrow,
      docker_registry: 'DOCKER_HUB',
    });
    expect(patched.status).toBe(400);
  });

  it('checks the reference again when an action is patched', async () => {
    const created = await api.post(actions, {
      ...BUILD,
      name: 'patchme',
      repository: 'acme/web',
      integration_hash: hash.docker,
    });
    const url = `${actions}/${created.body.id}`;
    const wrong = await api.patch(url, { integration_hash: hash.aws });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors[0].message).toMatch(/is of type AMAZON/);
    const ecr = await api.patch(url, { integration_hash: hash.aws, region: 'us-east-1', repository: 'web' });
    expect(ecr.status, JSON.stringify(ecr.body)).toBe(200);
    expect(ecr.body).toMatchObject({ docker_registry: 'AMAZON_ECR', integration_hash: hash.aws });
    expect((await api.patch(url, { name: 'renamed' })).status).toBe(200);
  });

  it('refuses to delete an integration that actions use (409 naming them), and allows it once they stop', async () => {
    const refused = await api.del(`${INTS}/${hash.docker}`);
    expect(refused.status).toBe(409);
    const message: string = refused.body.errors[0].message;
    expect(message).toMatch(
      new RegExp(
        `Integration "Docker Hub" \\(${hash.docker}\\) is used by action "push" in pipeline "Build" \\(project "company-website"\\)`,
      ),
    );
    expect((await api.get(`${INTS}/${hash.docker}`)).status).toBe(200);
    const list = (await api.get(actions)).body.actions as Array<{ id: number; name: string }>;
    for (const a of list) {
      const full = (await api.get(`${actions}/${a.id}`)).body;
      if (full.integration_hash === hash.docker) expect((await api.del(`${actions}/${a.id}`)).status).toBe(204);
    }
    expect((await api.del(`${INTS}/${hash.docker}`)).status).toBe(204);
  });

  it('refuses a PATCH that takes the integration away from the actions using it', async () => {
    const toProject = await api.patch(`${INTS}/${hash.gcp}`, { scope: 'PROJECT', project_name: 'tools' });
    expect(toProject.status).toBe(400);
    expect(toProject.body.errors[0].message).toMatch(
      /takes integration .* away from action "push" in pipeline "Build" \(project "company-website"\)/,
    );
    const narrowed = await api.patch(`${INTS}/${hash.gcp}`, { all_pipelines_allowed: false, allowed_pipelines: [] });
    expect(narrowed.status).toBe(400);
    expect((await api.get(`${INTS}/${hash.gcp}`)).body).toMatchObject({
      scope: 'WORKSPACE',
      all_pipelines_allowed: true,
    });
    const allowed = await api.patch(`${INTS}/${hash.gcp}`, {
      all_pipelines_allowed: false,
      allowed_pipelines: [{ id: pipelineId }],
    });
    expect(allowed.status).toBe(200);
    expect(allowed.body.allowed_pipelines).toEqual([
      {
        id: pipelineId,
        name: 'Build',
        url: `https://ci.example.com/workspaces/acme/projects/company-website/pipelines/${pipelineId}`,
        html_url: `https://ci.example.com/app/acme/company-website/pipelines/pipeline/${pipelineId}`,
      },
    ]);
  });
});
