import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type Api } from '../support/api-harness.js';

/** The request and example response of ../shared/seed, copied verbatim. */
const SEED_BODY = {
  name: 'Build multi-arch image',
  type: 'DOCKER_BUILD_MULTI_ARCH',
  build_args: ['key=value'],
  dockerfile_path: 'Dockerfile',
  context_path: '/contextPath',
  target_stage: '$targetStage',
  secret_id: '$secretId',
  secret_src: '$path_to_secret',
  target_platform: 'linux/amd64,linux/arm64',
};
const SEED_RESPONSE = {
  url: 'https://api.buddy.works/workspaces/buddy/projects/company-website/pipelines/2/actions/2',
  html_url: 'https://app.buddy.works/buddy/company-website/pipelines/action/2/edit',
  id: 2,
  name: 'Build multi-arch image',
  type: 'DOCKER_BUILD_MULTI_ARCH',
  trigger_time: 'ON_EVERY_EXECUTION',
  last_execution_status: 'INITIAL',
  dockerfile_path: 'Dockerfile',
  target_platform: 'linux/amd64,linux/arm64',
  secret_id: '$secretId',
  secret_src: '$path_to_secret',
  build_args: ['key=value'],
  context_path: '/contextPath',
  target_stage: '$targetStage',
  pipeline: {
    url: 'https://api.buddy.works/workspaces/buddy/projects/company-website/pipelines/2',
    html_url: 'https://app.buddy.works/buddy/company-website/pipelines/pipeline/2',
    id: 2,
  },
};

describe('the seed: POST .../actions with the DOCKER_BUILD_MULTI_ARCH body', () => {
  let api: Api;
  let actions: string;
  beforeAll(async () => {
    api = await startApi();
    ({ actions } = await api.seedPipeline());
  });
  afterAll(() => api.close());

  it('keeps the copy of the seed in this test in step with the seed page (vendored in test/fixtures, and ../shared/seed where it exists)', () => {
    // The project stands on its own tree: the seed page is vendored; next to the shared folder it must still match it.
    const seed = readFileSync(new URL('../fixtures/seed-000_de5a68a1834cc6f8.txt', import.meta.url), 'utf8');
    const shared = new URL('../../../shared/seed/000_de5a68a1834cc6f8.txt', import.meta.url);
    if (existsSync(shared)) expect(readFileSync(shared, 'utf8')).toBe(seed);
    for (const [key, value] of Object.entries(SEED_BODY)) {
      expect(seed).toContain(`"${key}"`);
      for (const item of [value].flat()) expect(seed).toContain(JSON.stringify(item));
    }
  });

  it('answers 201 with every key of the example response and the same values for the same input', async () => {
    const res = await api.post(actions, SEED_BODY);
    expect(res.status).toBe(201);
    for (const key of Object.keys(SEED_RESPONSE)) expect(res.body).toHaveProperty(key);
    const hostIndependent = ['url', 'html_url', 'id', 'pipeline'];
    for (const [key, value] of Object.entries(SEED_RESPONSE)) {
      if (!hostIndependent.includes(key)) expect(res.body[key], key).toEqual(value);
    }
    expect(Object.keys(res.body.pipeline)).toEqual(expect.arrayContaining(['url', 'html_url', 'id']));
    const { id, pipeline } = res.body;
    expect(res.body.url).toBe(
      `https://ci.example.com/workspaces/acme/projects/company-website/pipelines/${pipeline.id}/actions/${id}`,
    );
    expect(res.body.html_url).toBe(`https://ci.example.com/app/acme/company-website/pipelines/action/${id}/edit`);
    expect(pipeline.url).toBe(
      `https://ci.example.com/workspaces/acme/projects/company-website/pipelines/${pipeline.id}`,
    );
    expect(pipeline.html_url).toBe(`https://ci.example.com/app/acme/company-website/pipelines/pipeline/${pipeline.id}`);
  });

  it("returns the same object from GET, with Buddy's null-not-omitted convention", async () => {
    const created = await api.post(actions, SEED_BODY);
    const res = await api.get(`${actions}/${created.body.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(created.body);
    expect(res.body.docker_image_tag).toBeNull();
    expect(res.body.password).toBeNull();
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('accepts target_platform as an array and answers with the comma string', async () => {
    const res = await api.post(actions, {
      ...SEED_BODY,
      target_platform: ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6'],
    });
    expect(res.status).toBe(201);
    expect(res.body.target_platform).toBe('linux/amd64,linux/arm64,linux/arm/v7,linux/arm/v6');
  });

  it('defaults dockerfile_path to Dockerfile and target_platform to linux/amd64', async () => {
    const res = await api.post(actions, { name: 'minimal', type: 'DOCKER_BUILD_MULTI_ARCH', repository: 'team/app' });
    expect(res.status).toBe(201);
    expect(res.body.dockerfile_path).toBe('Dockerfile');
    expect(res.body.target_platform).toBe('linux/amd64');
    expect(res.body.context_path).toBe('');
  });
});
