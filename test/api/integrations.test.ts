import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openIntegration } from '../../src/app/integrations.js';
import { loadSecretKey } from '../../src/secrets/key-source.js';
import { createSecretBox } from '../../src/secrets/secret-box.js';
import { startApi, type Api, type Reply } from '../support/api-harness.js';

const INTS = '/workspaces/acme/integrations';
const PRIVATE_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
/** A line from the middle of the PEM body: if it is anywhere in a response or on disk, the key leaked. */
const KEY_MARKER = PRIVATE_KEY.split('\n')[6]!;
const serviceAccountKey = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    type: 'service_account',
    project_id: 'acme-prod',
    private_key_id: 'k1',
    private_key: PRIVATE_KEY,
    client_email: 'ci@acme-prod.iam.gserviceaccount.com',
    token_uri: 'http://127.0.0.1:9/token',
    ...extra,
  });
const SECRETS = [
  'dockerhub-pass-9f8e7d6c',
  'dockerhub-rotated-5a6b7c',
  'aws-secret-Zq1w2e3r4t5y',
  'aws-secret-U8i9o0p1a2',
  KEY_MARKER,
];

const DOCKER = {
  name: 'Docker Hub',
  type: 'DOCKER_HUB',
  scope: 'WORKSPACE',
  username: 'acme-bot',
  password: SECRETS[0],
};
const AMAZON = {
  name: 'AWS prod',
  type: 'AMAZON',
  scope: 'PROJECT',
  project_name: 'company-website',
  access_key_id: 'AKIAEXAMPLEKEY000001',
  secret_access_key: SECRETS[2],
  role_assumptions: [{ arn: 'arn:aws:iam::123456789012:role/ci', external_id: 'acme-ci', duration: 3600 }],
};
const GOOGLE = { name: 'GCP', type: 'GOOGLE_SERVICE_ACCOUNT', scope: 'WORKSPACE', api_key: serviceAccountKey() };

describe('integrations: each type, CRUD, secrets write-only and sealed at rest', () => {
  let api: Api;
  const seen: string[] = [];
  const track = (res: Reply) => {
    seen.push(JSON.stringify(res.body));
    return res;
  };
  const onDisk = (text: string) =>
    ['archway.db', 'archway.db-wal'].some((f) => readFileSync(`${api.dataDir}/${f}`).includes(Buffer.from(text)));
  const open = (hash: string) =>
    openIntegration(
      { store: api.core.store, secrets: createSecretBox(loadSecretKey({ dataDir: api.dataDir })) },
      1,
      hash,
    );
  const hashes: Record<string, string> = {};
  beforeAll(async () => {
    api = await startApi();
    await api.seedPipeline();
  });
  afterAll(() => api.close());

  it("adds a DOCKER_HUB integration with Buddy's shape and no credential fields", async () => {
    const res = track(await api.post(INTS, DOCKER));
    expect(res.status).toBe(201);
    const hash = res.body.hash_id;
    expect(hash).toMatch(/^[0-9a-f]{25}$/);
    expect(res.body).toEqual({
      url: `https://ci.example.com/workspaces/acme/integrations/${hash}`,
      html_url: `https://ci.example.com/app/acme/integrations/${hash}`,
      hash_id: hash,
      name: 'Docker Hub',
      type: 'DOCKER_HUB',
      auth_type: 'DEFAULT',
      scope: 'WORKSPACE',
      project_name: null,
      identifier: 'docker-hub',
      all_pipelines_allowed: true,
      allowed_pipelines: [],
    });
    hashes.docker = hash;
  });

  it('adds AMAZON (either spelling of the keys, role assumptions, PROJECT scope) and GOOGLE_SERVICE_ACCOUNT', async () => {
    const aws = track(await api.post(INTS, AMAZON));
    expect(aws.status).toBe(201);
    expect(aws.body).toMatchObject({
      type: 'AMAZON',
      scope: 'PROJECT',
      project_name: 'company-website',
      identifier: 'aws-prod',
    });
    const other = track(
      await api.post(INTS, {
        name: 'AWS dev',
        type: 'AMAZON',
        access_key: 'AKIAEXAMPLEKEY000002',
        secret_key: SECRETS[3],
      }),
    );
    expect(other.status).toBe(201);
    expect(other.body).toMatchObject({ scope: 'WORKSPACE', project_name: null });
    const gcp = track(await api.post(INTS, { ...GOOGLE, identifier: 'gcp_ci' }));
    expect(gcp.status).toBe(201);
    expect(gcp.body).toMatchObject({ type: 'GOOGLE_SERVICE_ACCOUNT', identifier: 'gcp_ci' });
    Object.assign(hashes, { aws: aws.body.hash_id, awsDev: other.body.hash_id, gcp: gcp.body.hash_id });
    expect(await open(hashes.aws!)).toEqual({
      hashId: hashes.aws,
      name: 'AWS prod',
      type: 'AMAZON',
      accessKeyId: 'AKIAEXAMPLEKEY000001',
      secretAccessKey: SECRETS[2],
      roleAssumptions: [{ arn: 'arn:aws:iam::123456789012:role/ci', externalId: 'acme-ci', durationSeconds: 3600 }],
    });
    expect(await open(hashes.awsDev!)).toMatchObject({
      accessKeyId: 'AKIAEXAMPLEKEY000002',
      secretAccessKey: SECRETS[3],
      roleAssumptions: [],
    });
    expect(await open(hashes.gcp!)).toEqual({
      hashId: hashes.gcp,
      name: 'GCP',
      type: 'GOOGLE_SERVICE_ACCOUNT',
      serviceAccountKey: GOOGLE.api_key,
      clientEmail: 'ci@acme-prod.iam.gserviceaccount.com',
      tokenUri: 'http://127.0.0.1:9/token',
    });
    expect(await open(hashes.docker!)).toMatchObject({
      type: 'DOCKER_HUB',
      username: 'acme-bot',
      password: SECRETS[0],
    });
  });

  it('lists and gets them', async () => {
    const list = track(await api.get(INTS));
    expect(list.status).toBe(200);
    expect(list.body.url).toBe('https://ci.example.com/workspaces/acme/integrations');
    expect(list.body.integrations.map((i: { hash_id: string }) => i.hash_id)).toEqual([
      hashes.docker,
      hashes.aws,
      hashes.awsDev,
      hashes.gcp,
    ]);
    for (const item of list.body.integrations)
      expect(track(await api.get(`${INTS}/${item.hash_id}`)).body).toEqual(item);
    expect((await api.get(`${INTS}/0123456789abcdef012345678`)).status).toBe(404);
    expect((await api.get('/workspaces/nope/integrations')).status).toBe(404);
  });

  it('PATCH changes only what is sent; secrets can be rotated, the type cannot change', async () => {
    const url = `${INTS}/${hashes.docker}`;
    const renamed = track(await api.patch(url, { name: 'Docker Hub (CI)', password: SECRETS[1] }));
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Docker Hub (CI)', identifier: 'docker-hub', type: 'DOCKER_HUB' });
    expect(await open(hashes.docker!)).toMatchObject({ username: 'acme-bot', password: SECRETS[1] });
    track(await api.patch(`${INTS}/${hashes.awsDev}`, { access_key: 'AKIAEXAMPLEKEY000003' }));
    expect(await open(hashes.awsDev!)).toMatchObject({
      accessKeyId: 'AKIAEXAMPLEKEY000003',
      secretAccessKey: SECRETS[3],
    });
    // Echoing a GET back (it carries no credentials) keeps them.
    const echoed = track(await api.patch(url, (await api.get(url)).body));
    expect(echoed.status).toBe(200);
    expect(await open(hashes.docker!)).toMatchObject({ password: SECRETS[1] });
    const retype = await api.patch(url, { type: 'AMAZON' });
    expect(retype.status).toBe(400);
    expect(retype.body.errors[0].message).toMatch(/"type" cannot be changed \(it is DOCKER_HUB\)/);
    const stray = await api.patch(url, { api_key: serviceAccountKey() });
    expect(stray.status).toBe(400);
    expect(stray.body.errors[0].message).toMatch(
      /"api_key" does not apply to DOCKER_HUB integrations; they take "username", "password"/,
    );
    expect((await api.patch(url, { password: '' })).status).toBe(400);
  });

  it('never returns a secret, and stores only ciphertext', async () => {
    expect(seen.length).toBeGreaterThan(10);
    for (const text of seen) {
      for (const secret of SECRETS) expect(text).not.toContain(secret);
      expect(text).not.toMatch(/"(password|secret_key|secret_access_key|api_key|access_key|access_key_id|username)"/);
    }
    for (const secret of SECRETS) expect(onDisk(secret), secret).toBe(false);
    const row = (await api.core.store.integrations.byHash(1, hashes.gcp!))!;
    expect(row.sealedSecret).toMatch(/^v2\./);
    expect(JSON.stringify(row)).not.toContain(KEY_MARKER);
  });

  it('keeps identifiers unique per workspace, deriving a free one from the name', async () => {
    const again = await api.post(INTS, DOCKER);
    expect(again.status).toBe(201);
    expect(again.body.identifier).toBe('docker-hub-2');
    const taken = await api.post(INTS, { ...DOCKER, identifier: 'gcp_ci' });
    expect(taken.status).toBe(409);
    expect(taken.body.errors[0].message).toMatch(/identifier "gcp_ci" already exists/);
    expect((await api.patch(`${INTS}/${again.body.hash_id}`, { identifier: 'docker-hub' })).status).toBe(409);
    expect((await api.del(`${INTS}/${again.body.hash_id}`)).status).toBe(204);
    expect((await api.get(`${INTS}/${again.body.hash_id}`)).status).toBe(404);
    expect((await api.del(`${INTS}/${again.body.hash_id}`)).status).toBe(404);
  });

  it('goes with its project (PROJECT scope) and its workspace', async () => {
    expect((await api.del('/workspaces/acme/projects/company-website')).status).toBe(204);
    expect((await api.get(`${INTS}/${hashes.aws}`)).status).toBe(404);
    expect((await api.get(`${INTS}/${hashes.gcp}`)).status).toBe(200);
    expect((await api.del('/workspaces/acme')).status).toBe(204);
    expect(await api.core.store.integrations.list(1)).toEqual([]);
  });
});

describe('integrations: validation and scopes', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi();
    await api.seedPipeline();
    await api.post('/workspaces', { domain: 'other', name: 'Other' });
  });
  afterAll(() => api.close());
  const count = async () => (await api.get(INTS)).body.integrations.length;

  const matrix: Array<[string, Record<string, unknown>, RegExp]> = [
    ['no name', { ...DOCKER, name: undefined }, /"name" is required/],
    [
      'no type',
      { ...DOCKER, type: undefined },
      /"type" is required; supported: DOCKER_HUB, AMAZON, GOOGLE_SERVICE_ACCOUNT/,
    ],
    [
      'an unsupported type',
      { ...DOCKER, type: 'GIT_HUB' },
      /Integration type "GIT_HUB" is not supported by Archway; supported: DOCKER_HUB, AMAZON, GOOGLE_SERVICE_ACCOUNT/,
    ],
    ['an unknown scope', { ...DOCKER, scope: 'ADMIN' }, /"scope" must be one of: WORKSPACE, PROJECT \(got "ADMIN"\)/],
    ['PROJECT without project_name', { ...DOCKER, scope: 'PROJECT' }, /"project_name" is required for "scope" PROJECT/],
    [
      'PROJECT with a missing project',
      { ...DOCKER, scope: 'PROJECT', project_name: 'nope' },
      /Project "nope" not found in workspace "acme"/,
    ],
    [
      'project_name at WORKSPACE scope',
      { ...DOCKER, project_name: 'company-website' },
      /"project_name" applies only to "scope" PROJECT/,
    ],
    [
      'DOCKER_HUB without password',
      { ...DOCKER, password: undefined },
      /"password" is required for DOCKER_HUB integrations/,
    ],
    ['DOCKER_HUB without username', { ...DOCKER, username: undefined }, /"username" is required for DOCKER_HUB/],
    ['a field of another type', { ...DOCKER, secret_key: 'x' }, /"secret_key" does not apply to DOCKER_HUB/],
    ['AMAZON without a secret key', { ...AMAZON, secret_access_key: undefined }, /"secret_key" is required for AMAZON/],
    [
      'AMAZON with two different spellings',
      { ...AMAZON, access_key: 'AKIAOTHER' },
      /"access_key" and "access_key_id" are the same field/,
    ],
    ['a role that is not an IAM role ARN', { ...AMAZON, role_assumptions: [{ arn: 'ci-role' }] }, /IAM role ARN/],
    [
      'a role duration too short',
      { ...AMAZON, role_assumptions: [{ arn: 'arn:aws:iam::123456789012:role/ci', duration: 60 }] },
      /duration must be whole seconds from 900 to 43200/,
    ],
    [
      'a service account key that is not JSON',
      { ...GOOGLE, api_key: 'not json' },
      /"api_key" must be the service account's JSON key.*not valid JSON/,
    ],
    [
      'a key without client_email',
      { ...GOOGLE, api_key: serviceAccountKey({ client_email: undefined }) },
      /no "client_email"/,
    ],
    [
      'a key without private_key',
      { ...GOOGLE, api_key: serviceAccountKey({ private_key: 'x' }) },
      /no PEM "private_key"/,
    ],
    [
      'a key of another kind',
      { ...GOOGLE, api_key: serviceAccountKey({ type: 'authorized_user' }) },
      /"type": "service_account"/,
    ],
    [
      'auth_type OIDC',
      { ...GOOGLE, auth_type: 'OIDC' },
      /"auth_type" OIDC is not supported by Archway; supported: DEFAULT/,
    ],
    ['a bad identifier', { ...DOCKER, identifier: '-x' }, /"identifier" must be/],
    [
      'a missing allowed pipeline',
      { ...DOCKER, allowed_pipelines: [{ id: 99999 }] },
      /"allowed_pipelines": pipeline 99999 not found in workspace "acme"/,
    ],
    ['a password that is not a string', { ...DOCKER, password: 5 }, /"password" must be string/],
  ];
  it.each(matrix)("400 in Buddy's envelope and nothing written: %s", async (_name, body, message) => {
    const before = await count();
    const res = await api.post(INTS, body);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0].message).toMatch(message);
    expect(await count()).toBe(before);
  });

  it('needs INTEGRATION_INFO to read, INTEGRATION_ADD to add, INTEGRATION_MANAGE to edit and delete', async () => {
    const [none, info, add, manage] = await Promise.all([
      api.token(['WORKSPACE', 'VARIABLE_MANAGE', 'EXECUTION_MANAGE']),
      api.token(['INTEGRATION_INFO']),
      api.token(['INTEGRATION_ADD']),
      api.token(['INTEGRATION_MANAGE']),
    ]);
    expect((await api.get(INTS, none)).status).toBe(403);
    expect((await api.post(INTS, DOCKER, none)).status).toBe(403);
    expect((await api.get(INTS, info)).status).toBe(200);
    const denied = await api.post(INTS, DOCKER, info);
    expect(denied.status).toBe(403);
    expect(denied.body.errors[0].message).toMatch(/INTEGRATION_ADD/);
    const created = await api.post(INTS, DOCKER, add);
    expect(created.status).toBe(201);
    const url = `${INTS}/${created.body.hash_id}`;
    expect((await api.get(url, add)).status).toBe(200);
    expect((await api.get(url, none)).status).toBe(403);
    expect((await api.patch(url, { name: 'x' }, add)).status).toBe(403);
    expect((await api.del(url, add)).status).toBe(403);
    expect((await api.patch(url, { name: 'x' }, manage)).status).toBe(200);
    expect((await api.post(INTS, { ...DOCKER, name: 'By manager' }, manage)).status).toBe(201);
    expect((await api.del(url, manage)).status).toBe(204);
    expect((await api.get(INTS, null)).status).toBe(401);
  });

  it("404 for a workspace outside the token's restriction; a hash of another workspace is not found here", async () => {
    const restricted = await api.token(['INTEGRATION_MANAGE'], { workspace_restrictions: ['acme'] });
    const hidden = await api.post('/workspaces/other/integrations', DOCKER);
    expect(hidden.status).toBe(201);
    expect((await api.get('/workspaces/other/integrations', restricted)).status).toBe(404);
    expect((await api.get(`/workspaces/other/integrations/${hidden.body.hash_id}`, restricted)).status).toBe(404);
    expect((await api.get(`${INTS}/${hidden.body.hash_id}`)).status).toBe(404);
    expect((await api.del(`${INTS}/${hidden.body.hash_id}`)).status).toBe(404);
  });
});
