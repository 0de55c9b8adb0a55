import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineBuildRunner } from '../../src/agent/engine-build.js';
import type { BuildRequest } from '../../src/app/ports/job-work.js';
import type { RegistryTargetSpec } from '../../src/domain/job-spec.js';
import { createBuildahEngine } from '../../src/engine/buildah/buildah-engine.js';
import { readImagePlatforms } from '../../src/engine/buildah/registry-reader.js';
import { resolveRegistryTarget } from '../../src/push-targets/index.js';
import { startLocalRegistry, type LocalRegistry } from '../../src/registry-server/local-registry.js';
import { makeRepo } from '../engine/helpers.js';
import { ensureBusyboxBase } from '../support/busybox-base.js';
import { writeAuthFile, writeHtpasswd } from '../support/registry.js';
import { makeServiceAccountKey, startGoogleTokenStandIn, type GoogleTokenStandIn } from './stand-ins.js';

/**
 * Full pushes through a GOOGLE_SERVICE_ACCOUNT and a DOCKER_HUB integration. Their hosts (europe-west1-docker.pkg.dev,
 * docker.io) cannot be reached from here, so the agent's resolution runs unchanged — repository path, credentials
 * (Google's through google-auth-library and a local token endpoint) — and only the resolved host is swapped for
 * a local htpasswd registry that accepts exactly those credentials. Everything after it (login check, build,
 * push, read-back) is what runs against the real host.
 */
describe('pushing through Google and Docker Hub integrations (their host swapped for a local registry)', () => {
  let work: string;
  const registries: LocalRegistry[] = [];
  let google: GoogleTokenStandIn;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'archway-hosted-'));
    google = await startGoogleTokenStandIn({ accessToken: 'ya29.archway-local-token', expiresInSeconds: 3600 });
  });
  afterAll(async () => {
    for (const r of registries) await r.stop();
    await google?.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** A registry that takes only `user`/`password`, with the busybox base in it. */
  async function registryFor(name: string, user: string, password: string): Promise<LocalRegistry> {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    const registry = await startLocalRegistry({
      dir,
      htpasswdFile: await writeHtpasswd(join(dir, 'htpasswd'), { user, password }),
    });
    registries.push(registry);
    await ensureBusyboxBase(registry.host, {
      authFile: writeAuthFile(join(dir, 'auth.json'), registry.host, { user, password }),
    });
    return registry;
  }

  async function push(
    registry: LocalRegistry,
    target: RegistryTargetSpec,
  ): Promise<{ log: string[]; resolvedHost: string }> {
    const root = makeRepo({ Dockerfile: `FROM ${registry.host}/library/busybox:latest\nRUN uname -m > /arch\n` });
    const log: string[] = [];
    let resolvedHost = '';
    const engine = createBuildahEngine({
      dir: join(work, 'engine'),
      access: { insecure: [registry.host], caDir: null },
    });
    const run = createEngineBuildRunner(engine, async (t) => {
      const resolved = await resolveRegistryTarget(t);
      resolvedHost = resolved.host;
      return { ...resolved, host: registry.host };
    });
    const request: BuildRequest = {
      spec: {
        dockerfilePath: 'Dockerfile',
        contextPath: '',
        targetStage: null,
        buildArgs: [],
        secret: null,
        platforms: ['linux/amd64', 'linux/arm64'],
        tags: ['1'],
        cacheMode: 'none',
        target,
      },
      repoRoot: root,
      contextDir: root,
      dockerfile: join(root, 'Dockerfile'),
      secretFile: null,
      workDir: work,
      cacheKey: null,
      clearCache: false,
      timeoutMs: null,
      signal: new AbortController().signal,
      mask: [],
      progress: () => undefined,
      log: (line) => log.push(line),
    };
    await run(request);
    rmSync(root, { recursive: true, force: true });
    return { log, resolvedHost };
  }

  it('GOOGLE_SERVICE_ACCOUNT: an access token from google-auth-library logs in, and the index lands as PROJECT/REPOSITORY/IMAGE', async () => {
    const key = makeServiceAccountKey({ tokenUri: google.tokenUri, projectId: 'acme-prod' });
    google.trust(key.clientEmail, key.publicKeyPem);
    const registry = await registryFor('google', 'oauth2accesstoken', 'ya29.archway-local-token');
    const { log, resolvedHost } = await push(registry, {
      dockerRegistry: 'GOOGLE_ARTIFACT_REGISTRY',
      registry: 'europe-west1-docker.pkg.dev',
      repository: 'images/app',
      region: null,
      login: null,
      password: null,
      integration: { type: 'GOOGLE_SERVICE_ACCOUNT', label: 'gsa', serviceAccountKey: key.json },
    });
    expect(resolvedHost).toBe('europe-west1-docker.pkg.dev');
    expect(google.issued).toEqual(['ya29.archway-local-token']);
    expect(log).toContain(`Logged in to ${registry.host} as oauth2accesstoken`);
    expect(log.join('\n')).toMatch(
      new RegExp(`Image index sha256:[0-9a-f]{64} pushed as ${registry.host}/acme-prod/images/app:1`),
    );
    const read = await readImagePlatforms(`${registry.host}/acme-prod/images/app:1`, {
      authFile: writeAuthFile(join(work, 'g-read.json'), registry.host, {
        user: 'oauth2accesstoken',
        password: 'ya29.archway-local-token',
      }),
      tls: { verify: false, certDir: null },
    });
    expect(read.platforms.map((p) => `${p.os}/${p.architecture}`)).toEqual(['linux/amd64', 'linux/arm64']);
    expect(log.join('\n')).not.toContain('ya29.archway-local-token');
  });

  it("DOCKER_HUB: the integration's login pushes a bare name into the user's namespace", async () => {
    const registry = await registryFor('hub', 'archwaybot', 'hub-access-token-1');
    const { log, resolvedHost } = await push(registry, {
      dockerRegistry: 'DOCKER_HUB',
      registry: null,
      repository: 'app',
      region: null,
      login: null,
      password: null,
      integration: { type: 'DOCKER_HUB', label: 'hub', username: 'archwaybot', password: 'hub-access-token-1' },
    });
    expect(resolvedHost).toBe('docker.io');
    expect(log).toContain(`Logged in to ${registry.host} as archwaybot`);
    expect(log.join('\n')).toMatch(
      new RegExp(`Image index sha256:[0-9a-f]{64} pushed as ${registry.host}/archwaybot/app:1`),
    );
    const read = await readImagePlatforms(`${registry.host}/archwaybot/app:1`, {
      authFile: writeAuthFile(join(work, 'h-read.json'), registry.host, {
        user: 'archwaybot',
        password: 'hub-access-token-1',
      }),
      tls: { verify: false, certDir: null },
    });
    expect(read.platforms.map((p) => `${p.os}/${p.architecture}`)).toEqual(['linux/amd64', 'linux/arm64']);
    expect(log.join('\n')).not.toContain('hub-access-token-1');
  });
});
