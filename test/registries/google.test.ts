import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEngineBuildRunner } from '../../src/agent/engine-build.js';
import { BuildError } from '../../src/domain/errors.js';
import { createFakeEngine } from '../../src/engine/fake/fake-engine.js';
import {
  RegistryConfigError,
  RegistryCredentialsError,
  resolveRegistryTarget,
  type RegistryInput,
} from '../../src/push-targets/index.js';
import {
  makeServiceAccountKey,
  newRsaKeyPair,
  startGoogleTokenStandIn,
  type GoogleTokenStandIn,
  type GoogleTokenStandInOptions,
  type ServiceAccountFixture,
} from './stand-ins.js';

const stopping: GoogleTokenStandIn[] = [];
let keyPair: ReturnType<typeof newRsaKeyPair>;
beforeAll(() => {
  keyPair = newRsaKeyPair();
});
afterEach(async () => {
  await Promise.all(stopping.splice(0).map((s) => s.close()));
});

async function standIn(
  opts: GoogleTokenStandInOptions = {},
  trusted = true,
): Promise<{ s: GoogleTokenStandIn; key: ServiceAccountFixture }> {
  const s = await startGoogleTokenStandIn(opts);
  stopping.push(s);
  const key = makeServiceAccountKey({ tokenUri: s.tokenUri, projectId: 'acme-prod', keyPair });
  if (trusted) s.trust(key.clientEmail, key.publicKeyPem);
  return { s, key };
}

function googleInput(key: string, over: Partial<RegistryInput> = {}): RegistryInput {
  return {
    dockerRegistry: 'GOOGLE_ARTIFACT_REGISTRY',
    registry: 'europe-west1-docker.pkg.dev',
    repository: 'acme-prod/images/app',
    region: null,
    integration: { type: 'GOOGLE_SERVICE_ACCOUNT', serviceAccountKey: key },
    ...over,
  };
}

describe('Google registries through google-auth-library against a local token endpoint', () => {
  it('exchanges a JWT signed with the key (checked with its public key) for an access token', async () => {
    const { s, key } = await standIn({ accessToken: 'ya29.chosen-by-the-test', expiresInSeconds: 3600 });
    const target = await resolveRegistryTarget(googleInput(key.json));
    expect(target).toMatchObject({
      host: 'europe-west1-docker.pkg.dev',
      repositoryPath: 'acme-prod/images/app',
      notes: [],
    });
    const token = await target.credentials!.get();
    expect(token).toMatchObject({ username: 'oauth2accesstoken', password: 'ya29.chosen-by-the-test' });
    expect(Math.abs(token.expiresAt!.getTime() - (Date.now() + 3600_000))).toBeLessThan(60_000);
    expect(s.grants).toHaveLength(1);
    expect(s.grants[0]).toMatchObject({
      iss: key.clientEmail,
      scope: 'https://www.googleapis.com/auth/cloud-platform',
    });
  });

  it('fetches a new token on the next get() once the old one is within 5 minutes of expiring', async () => {
    const { s, key } = await standIn({ accessToken: (n) => `ya29.token-${n}`, expiresInSeconds: 10 * 60 });
    let now = Date.now();
    const target = await resolveRegistryTarget(googleInput(key.json), { clock: () => now });
    expect((await target.credentials!.get()).password).toBe('ya29.token-0');
    now += 4 * 60_000;
    expect((await target.credentials!.get()).password).toBe('ya29.token-0');
    now += 2 * 60_000;
    expect((await target.credentials!.get()).password).toBe('ya29.token-1');
    expect(s.issued).toEqual(['ya29.token-0', 'ya29.token-1']);
  });

  it('shares one token request between concurrent callers', async () => {
    const { s, key } = await standIn();
    const target = await resolveRegistryTarget(googleInput(key.json));
    const [a, b] = await Promise.all([target.credentials!.get(), target.credentials!.get()]);
    expect(a.password).toBe(b.password);
    expect(s.issued).toHaveLength(1);
  });

  it('keeps gcr.io as the host, fills in the project, and explains Artifact Registry when a push is denied', async () => {
    const { key } = await standIn();
    const target = await resolveRegistryTarget(
      googleInput(key.json, { dockerRegistry: 'GOOGLE_GCR', registry: 'eu.gcr.io', repository: 'app' }),
    );
    expect(target.host).toBe('eu.gcr.io');
    expect(target.repositoryPath).toBe('acme-prod/app');
    expect(target.notes[0]).toContain('pushing "app" as "eu.gcr.io/acme-prod/app"');
    expect(target.pushDeniedHint).toMatch(
      /Container Registry stopped taking pushes in March 2025; eu\.gcr\.io is now served by Artifact Registry/,
    );
  });

  it("adds the Artifact Registry hint to a denied push in the action's error", async () => {
    const { key } = await standIn();
    const target = {
      dockerRegistry: 'GOOGLE_GCR' as const,
      registry: 'eu.gcr.io',
      repository: 'app',
      region: null,
      login: null,
      password: null,
      integration: { type: 'GOOGLE_SERVICE_ACCOUNT' as const, label: 'gsa', serviceAccountKey: key.json },
    };
    // The registry denies the push: the fake engine fails there with PUSH_DENIED, as buildah does.
    const run = createEngineBuildRunner(createFakeEngine(), resolveRegistryTarget);
    const err = await run({
      spec: {
        dockerfilePath: 'Dockerfile',
        contextPath: '.',
        targetStage: null,
        buildArgs: [['FAKE_FAIL_AT', 'push']],
        secret: null,
        platforms: ['linux/amd64'],
        target,
        tags: ['1'],
        cacheMode: 'none',
      },
      repoRoot: '/nonexistent',
      contextDir: '/nonexistent',
      dockerfile: '/nonexistent/Dockerfile',
      secretFile: null,
      workDir: '/nonexistent',
      cacheKey: null,
      clearCache: false,
      timeoutMs: null,
      signal: new AbortController().signal,
      mask: [],
      log: () => undefined,
      progress: () => undefined,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    expect((err as BuildError).reason).toBe('PUSH_DENIED');
    expect((err as Error).message).toMatch(
      /the account may not push to this repository\. Container Registry stopped taking pushes in March 2025; eu\.gcr\.io is now served by Artifact Registry/,
    );
    expect((err as Error).message).toMatch(/^Pushing eu\.gcr\.io\/acme-prod\/app:1: the registry denied access/);
  });

  it('hands the whole key as the _json_key password when asked, without a token request', async () => {
    const { s, key } = await standIn();
    const target = await resolveRegistryTarget(
      googleInput(key.json, { registry: 'gcr.io', repository: 'gcr.io/acme-prod/app' }),
      { googleCredentials: 'json-key' },
    );
    expect(target.repositoryPath).toBe('acme-prod/app');
    expect(await target.credentials!.get()).toEqual({ username: '_json_key', password: key.json, expiresAt: null });
    expect(s.issued).toHaveLength(0);
  });
});

describe('Google failures', () => {
  it('says Google rejected the key when the token endpoint does not know it, without quoting the key', async () => {
    const { s, key } = await standIn({}, false);
    const target = await resolveRegistryTarget(googleInput(key.json));
    const err = await target.credentials!.get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryCredentialsError);
    expect((err as RegistryCredentialsError).reason).toBe('AUTH_FAILED');
    expect((err as Error).message).toBe(
      `Google rejected the service-account key of ${key.clientEmail} (invalid_grant: Invalid grant: account not found): the key may have been deleted or disabled, or the account removed; create a new key and update the GOOGLE_SERVICE_ACCOUNT integration.`,
    );
    expect(s.rejected).toHaveLength(1);
  });

  it('says Google rejected the key when its signature does not verify (a replaced key)', async () => {
    const { s, key } = await standIn();
    const other = makeServiceAccountKey({ tokenUri: s.tokenUri, clientEmail: key.clientEmail });
    const target = await resolveRegistryTarget(googleInput(other.json));
    const err = await target.credentials!.get().catch((e: unknown) => e);
    expect((err as Error).message).toContain('(invalid_grant: Invalid JWT Signature.)');
    expect(JSON.stringify(err) + String((err as Error).stack)).not.toContain('PRIVATE KEY');
  });

  it('says the token endpoint is unreachable when nothing listens there', async () => {
    const { s, key } = await standIn();
    await s.close();
    const target = await resolveRegistryTarget(googleInput(key.json));
    const err = await target.credentials!.get().catch((e: unknown) => e);
    expect((err as RegistryCredentialsError).reason).toBe('REGISTRY_UNREACHABLE');
    expect((err as Error).message).toMatch(
      /^Could not reach Google's token endpoint http:\/\/127\.0\.0\.1:[0-9]+ \(ECONNREFUSED\)/,
    );
  });

  it('rejects keys and fields that cannot work, without quoting the key', async () => {
    const { key } = await standIn();
    const parsed = JSON.parse(key.json) as Record<string, string>;
    const bad: Array<[Partial<RegistryInput>, RegExp]> = [
      [
        { integration: { type: 'GOOGLE_SERVICE_ACCOUNT', serviceAccountKey: 'not json' } },
        /key is not JSON: paste the whole JSON key file/,
      ],
      [
        {
          integration: {
            type: 'GOOGLE_SERVICE_ACCOUNT',
            serviceAccountKey: JSON.stringify({ ...parsed, private_key: 'garbage-key-text' }),
          },
        },
        /"private_key" that is not a PEM private key/,
      ],
      [
        {
          integration: {
            type: 'GOOGLE_SERVICE_ACCOUNT',
            serviceAccountKey: JSON.stringify({ ...parsed, token_uri: 'http://10.0.0.1/token' }),
          },
        },
        /"token_uri" that is neither https nor a loopback address/,
      ],
      [
        {
          integration: {
            type: 'GOOGLE_SERVICE_ACCOUNT',
            serviceAccountKey: JSON.stringify({ ...parsed, type: 'authorized_user' }),
          },
        },
        /is of type "authorized_user", not "service_account"/,
      ],
      [
        { integration: { type: 'AMAZON', accessKeyId: 'a', secretAccessKey: 'b' } },
        /need a GOOGLE_SERVICE_ACCOUNT integration/,
      ],
      [
        { registry: 'registry.example.com' },
        /"registry" must be gcr\.io, us\.gcr\.io, eu\.gcr\.io, asia\.gcr\.io or a REGION-docker\.pkg\.dev host/,
      ],
      [
        { repository: 'app' },
        /"repository" for europe-west1-docker\.pkg\.dev must be PROJECT\/REPOSITORY\/IMAGE \(got "app"\)/,
      ],
    ];
    for (const [over, message] of bad) {
      const err = await resolveRegistryTarget(googleInput(key.json, over)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RegistryConfigError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain('PRIVATE KEY');
      expect((err as Error).message).not.toContain('garbage-key-text');
    }
  });
});
