import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type Api } from '../support/api-harness.js';

const BASE = { name: 'build', type: 'DOCKER_BUILD_MULTI_ARCH' };

describe('DOCKER_BUILD_MULTI_ARCH validation matrix', () => {
  let api: Api;
  let actions: string;
  let scoped: string;
  beforeAll(async () => {
    api = await startApi();
    ({ actions } = await api.seedPipeline());
    const res = await api.post('/workspaces/acme/projects/company-website/pipelines', {
      name: 'Cached',
      cache_scope: 'PROJECT',
    });
    scoped = `/workspaces/acme/projects/company-website/pipelines/${res.body.id}/actions`;
    // Actions may only reference integrations that exist: h1..h3 in the cases below stand for these.
    const key = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    for (const [alias, body] of Object.entries({
      h1: { type: 'DOCKER_HUB', username: 'bot', password: 'pw' },
      h2: { type: 'AMAZON', access_key: 'AKIAEXAMPLE', secret_key: 'sk' },
      h3: {
        type: 'GOOGLE_SERVICE_ACCOUNT',
        api_key: JSON.stringify({ client_email: 'ci@p.iam.gserviceaccount.com', private_key: key }),
      },
    })) {
      hashes[alias] = (await api.post('/workspaces/acme/integrations', { name: alias, ...body })).body.hash_id;
    }
  });
  const hashes: Record<string, string> = {};
  /** The case with each integration alias replaced by the real hash id. */
  const withHashes = (value: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        typeof v === 'string' && /^h[123]$/.test(v)
          ? hashes[v]
          : v !== null && typeof v === 'object' && !Array.isArray(v)
            ? withHashes(v as Record<string, unknown>)
            : v,
      ]),
    );
  afterAll(() => api.close());

  const rejected: Array<[string, Record<string, unknown>, RegExp]> = [
    ['an unsupported type', { type: 'BUILD' }, /Action type "BUILD" is not supported.*DOCKER_BUILD_MULTI_ARCH/],
    ['a missing type', { type: undefined }, /"type" is required/],
    ['a missing name', { name: undefined }, /"name" is required/],
    [
      'an unknown platform',
      { target_platform: 'linux/amd64,linux/s390x' },
      /unsupported platform "linux\/s390x".*linux\/arm\/v6/,
    ],
    ['an empty platform list', { target_platform: [] }, /at least one platform/],
    ['a non-string platform', { target_platform: 5 }, /"target_platform"/],
    ['a build arg without =', { build_args: ['NOEQUALS'] }, /KEY=value.*NOEQUALS/],
    [
      'a dockerfile outside the repository',
      { dockerfile_path: '../etc/passwd' },
      /"dockerfile_path" must stay inside the repository/,
    ],
    ['a context outside the repository', { context_path: '/a/../../b' }, /"context_path" must stay inside/],
    [
      'a secret file outside the repository',
      { secret_id: 's', secret_src: '../../x' },
      /"secret_src" must stay inside/,
    ],
    ['secret_id without secret_src', { secret_id: 'npm' }, /"secret_id" and "secret_src" go together/],
    ['a bad tag', { docker_image_tag: 'has space' }, /valid image tags/],
    ['an upper-case repository', { repository: 'Team/App' }, /lower-case image repository/],
    ['a bad registry host', { registry: 'https://reg.example.com' }, /"registry" must be a host name/],
    ['a password without login', { password: 'p' }, /"password" needs a "login"/],
    [
      'a non-Google host for GCR',
      { docker_registry: 'GOOGLE_GCR', registry: 'quay.io', integration_hash: 'abc', repository: 'p/app' },
      /one of gcr\.io, us\.gcr\.io, eu\.gcr\.io, asia\.gcr\.io/,
    ],
    [
      'ECR without region',
      { docker_registry: 'AMAZON_ECR', integration_hash: 'abc', repository: 'app' },
      /"region" is required for AMAZON_ECR/,
    ],
    [
      'Docker Hub without integration or login',
      { docker_registry: 'DOCKER_HUB', repository: 'team/app' },
      /"integration_hash".*required for DOCKER_HUB/,
    ],
    ['an unknown docker_registry', { docker_registry: 'QUAY' }, /"docker_registry" must be one of: NONE, DOCKER_HUB/],
    ['an unknown trigger_time', { trigger_time: 'SOMETIMES' }, /"trigger_time" must be one of: ON_EVERY_EXECUTION/],
    [
      'cache_mode on a PIPELINE-scoped pipeline',
      { cache_mode: 'MAX' },
      /"cache_mode" is available only when the pipeline's "cache_scope" is WORKSPACE or PROJECT \(this pipeline's is PIPELINE\)/,
    ],
    ['an unknown cache_mode', { cache_mode: 'ALL' }, /"cache_mode" must be one of: MIN, MAX/],
    ['a zero timeout', { timeout: 0 }, /"timeout" must be a whole number of seconds/],
    ['a negative retry_count', { retry_count: -1 }, /"retry_count"/],
    [
      'run_only_on_first_failure without ON_FAILURE',
      { run_only_on_first_failure: true },
      /only with "trigger_time" ON_FAILURE/,
    ],
    ['a FILE variable without a path', { variables: [{ key: 'S', value: 'x', type: 'FILE' }] }, /needs a "file_path"/],
    ['a bad variable key', { variables: [{ key: '1X', value: 'x' }] }, /Variable "key"/],
    [
      'after_action_id of another pipeline',
      { after_action_id: 999999 },
      /"after_action_id" 999999 is not an action of pipeline/,
    ],
  ];

  it.each(rejected)('rejects %s with 400, a clear message, and writes nothing', async (_, patch, message) => {
    const before = (await api.get(actions)).body.actions.length;
    const res = await api.post(actions, { ...BASE, ...patch });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0].message).toMatch(message);
    expect((await api.get(actions)).body.actions.length).toBe(before);
  });

  const accepted: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    [
      '$VARIABLE references, stored as given',
      { target_stage: '$STAGE', docker_image_tag: '${TAG}', target_platform: '$PLATFORMS', repository: '$REPO' },
      { target_stage: '$STAGE', docker_image_tag: '${TAG}', target_platform: '$PLATFORMS', repository: '$REPO' },
    ],
    [
      'a private registry with login/password',
      { registry: '127.0.0.1:5000', repository: 'team/app', login: 'ci', password: 'p' },
      { docker_registry: 'OTHER', login: 'ci', registry: '127.0.0.1:5000' },
    ],
    [
      'a host inside repository',
      { repository: 'registry.example.com:5000/team/app' },
      { repository: 'registry.example.com:5000/team/app' },
    ],
    [
      'Docker Hub via integration {hash_id}',
      { docker_registry: 'DOCKER_HUB', integration: { hash_id: 'h1' }, repository: 'team/app' },
      { integration_hash: 'h1', integration: { hash_id: 'h1' }, docker_registry: 'DOCKER_HUB' },
    ],
    [
      'ECR derived from region',
      { region: 'eu-west-1', integration_hash: 'h2', repository: 'app' },
      { docker_registry: 'AMAZON_ECR', region: 'eu-west-1' },
    ],
    [
      'GCR host',
      { registry: 'eu.gcr.io', integration_hash: 'h3', repository: 'proj/app' },
      { docker_registry: 'GOOGLE_GCR' },
    ],
    [
      'Artifact Registry host',
      { registry: 'europe-west1-docker.pkg.dev', integration_hash: 'h3', repository: 'proj/repo/app' },
      { docker_registry: 'GOOGLE_ARTIFACT_REGISTRY' },
    ],
    [
      'versions and tag',
      { docker_image_tag: '1.2.3', versions: ['latest', '1.2'] },
      { docker_image_tag: '1.2.3', versions: ['latest', '1.2'] },
    ],
    [
      'generic run fields',
      {
        trigger_time: 'ON_FAILURE',
        run_only_on_first_failure: true,
        timeout: 600,
        retry_count: 2,
        retry_interval: 30,
        ignore_errors: true,
        disabled: true,
        run_next: 'IN_SOFT_PARALLEL',
      },
      {
        trigger_time: 'ON_FAILURE',
        run_only_on_first_failure: true,
        timeout: 600,
        retry_count: 2,
        retry_interval: 30,
        ignore_errors: true,
        disabled: true,
        run_next: 'IN_SOFT_PARALLEL',
      },
    ],
    ['the legacy "action" name alias', { name: undefined, action: 'Legacy name' }, { name: 'Legacy name' }],
    ['a context path normalised inside the repo', { context_path: 'a/../b/' }, { context_path: 'a/../b/' }],
  ];

  it.each(accepted)('accepts %s', async (_, patch, expected) => {
    const res = await api.post(actions, { ...BASE, ...withHashes(patch) });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject(withHashes(expected));
  });

  it('allows cache_mode where the pipeline cache_scope is PROJECT, defaulting to MIN', async () => {
    const plain = await api.post(scoped, BASE);
    expect(plain.body.cache_mode).toBe('MIN');
    const max = await api.post(scoped, { ...BASE, cache_mode: 'MAX' });
    expect(max.status).toBe(201);
    expect(max.body.cache_mode).toBe('MAX');
    const noScope = await api.post(actions, BASE);
    expect(noScope.body.cache_mode).toBeNull();
  });

  it('refuses to move a pipeline to cache_scope PIPELINE while an action sets cache_mode', async () => {
    const pipelinePath = scoped.replace(/\/actions$/, '');
    const res = await api.patch(pipelinePath, { cache_scope: 'PIPELINE' });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toMatch(/Remove their cache_mode first/);
    expect((await api.get(pipelinePath)).body.cache_scope).toBe('PROJECT');
  });

  it('gives 400 for malformed JSON, not 500', async () => {
    const res = await api.call('POST', actions, undefined, undefined, '{"name": "x", ');
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toMatch(/not valid JSON/);
  });

  it('gives 404 in the envelope for an unknown pipeline, project or workspace', async () => {
    for (const path of [
      '/workspaces/acme/projects/company-website/pipelines/999999/actions',
      '/workspaces/acme/projects/nope/pipelines/1/actions',
      '/workspaces/nope/projects/x/pipelines/1/actions',
    ]) {
      const res = await api.post(path, BASE);
      expect(res.status, path).toBe(404);
      expect(res.body.errors[0].message).toMatch(/not found/);
    }
  });
});
