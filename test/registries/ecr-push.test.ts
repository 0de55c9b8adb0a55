import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineBuildRunner } from '../../src/agent/engine-build.js';
import { resolveRegistryTarget } from '../../src/push-targets/index.js';
import type { BuildRequest } from '../../src/app/ports/job-work.js';
import type { JobSpec } from '../../src/domain/job-spec.js';
import { createBuildahEngine } from '../../src/engine/buildah/buildah-engine.js';
import { startLocalRegistry, type LocalRegistry } from '../../src/registry-server/local-registry.js';
import { ensureBusyboxBase } from '../support/busybox-base.js';
import { runChild } from '../../src/process/child.js';
import { writeAuthFile, writeHtpasswd } from '../support/registry.js';
import { makeRepo } from '../engine/helpers.js';
import { startEcrStandIn, type EcrStandIn } from './stand-ins.js';

const KEYS = { accessKeyId: 'AKIAARCHWAYTEST00001', secretAccessKey: 'archway-test-secret-access-key-000001' };

/**
 * A push through an AMAZON integration with the real AWS SDK: the ECR stand-in hands out tokens for a local
 * htpasswd registry. The registry "expires" the first token mid-build (it restarts accepting only the second),
 * so the push succeeds only because the agent asks for fresh credentials right before it.
 */
describe('pushing through an AMAZON integration (ECR)', () => {
  let work: string;
  let registry: LocalRegistry;
  let ecr: EcrStandIn;
  let port: number;
  /** What ECR hands out now; tokens live 60 s, under the 5-minute refresh margin, so each get() asks again. */
  let current = 'token-1';

  async function startRegistry(password: string) {
    mkdirSync(join(work, 'registry'), { recursive: true });
    const htpasswd = await writeHtpasswd(join(work, 'registry', 'htpasswd'), { user: 'AWS', password });
    return startLocalRegistry({ dir: join(work, 'registry'), port, htpasswdFile: htpasswd });
  }
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'archway-ecr-'));
    port = 0;
    registry = await startRegistry('token-1');
    port = Number(registry.host.split(':')[1]);
    const authFile = writeAuthFile(join(work, 'auth.json'), registry.host, { user: 'AWS', password: 'token-1' });
    await ensureBusyboxBase(registry.host, { authFile });
    ecr = await startEcrStandIn({
      ...KEYS,
      proxyEndpoint: `http://${registry.host}`,
      registryPassword: () => current,
      tokenLifetimeSeconds: 60,
    });
  });
  afterAll(async () => {
    await registry?.stop();
    await ecr?.close();
    rmSync(work, { recursive: true, force: true });
  });

  function request(spec: Partial<JobSpec['build']>, log: string[], onStep: () => Promise<void>): BuildRequest {
    const root = makeRepo({
      Dockerfile: `FROM ${registry.host}/library/busybox:latest\nRUN echo pushed-via-ecr > /x\n`,
    });
    let stepped = false;
    return {
      spec: {
        dockerfilePath: 'Dockerfile',
        contextPath: '',
        targetStage: null,
        buildArgs: [],
        secret: null,
        platforms: ['linux/amd64', 'linux/arm64'],
        tags: ['1'],
        cacheMode: 'none',
        target: {
          dockerRegistry: 'AMAZON_ECR',
          registry: null,
          repository: 'team/app',
          region: 'us-east-1',
          login: null,
          password: null,
          integration: { type: 'AMAZON', label: 'aws', ...KEYS },
        },
        ...spec,
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
      log: (line) => {
        log.push(line);
        if (!stepped && line.includes('RUN echo pushed-via-ecr')) {
          stepped = true;
          void onStep();
        }
      },
    };
  }

  it('builds, refreshes the expired token before the push, and pushes a verified index', async () => {
    process.env.ARCHWAY_AWS_ENDPOINT = ecr.url;
    const engine = createBuildahEngine({
      dir: join(work, 'engine'),
      access: { insecure: [registry.host], caDir: null },
    });
    const log: string[] = [];
    let rotated: Promise<void> = Promise.resolve();
    const run = createEngineBuildRunner(engine, resolveRegistryTarget);
    await run(
      request({}, log, async () => {
        rotated = (async () => {
          await registry.stop();
          registry = await startRegistry('token-2'); // token-1 no longer works
          current = 'token-2';
        })();
        await rotated;
      }),
    );
    await rotated;
    expect(ecr.passwords[0]).toBe('token-1');
    expect(ecr.passwords[ecr.passwords.length - 1]).toBe('token-2');
    expect(ecr.calls.filter((c) => c.operation === 'GetAuthorizationToken').length).toBeGreaterThanOrEqual(2);
    expect(ecr.calls.every((c) => c.accessKeyId === KEYS.accessKeyId)).toBe(true);
    expect(log.join('\n')).toMatch(/Image index sha256:[0-9a-f]{64} pushed as 127\.0\.0\.1:\d+\/team\/app:1/);
    const authFile = writeAuthFile(join(work, 'auth2.json'), registry.host, { user: 'AWS', password: 'token-2' });
    const read = await runChild([
      'skopeo',
      'inspect',
      '--raw',
      '--tls-verify=false',
      '--authfile',
      authFile,
      `docker://${registry.host}/team/app:1`,
    ]);
    expect(JSON.parse(read.stdout).manifests).toHaveLength(2);
  });

  it('bad AWS keys fail before the build starts, with a sentence and no secret in it', async () => {
    const engine = createBuildahEngine({
      dir: join(work, 'engine2'),
      access: { insecure: [registry.host], caDir: null },
    });
    const log: string[] = [];
    const bad = {
      type: 'AMAZON' as const,
      label: 'aws',
      accessKeyId: KEYS.accessKeyId,
      secretAccessKey: 'wrong-secret-key-value',
    };
    const error = await createEngineBuildRunner(
      engine,
      resolveRegistryTarget,
    )(
      request(
        {
          target: {
            dockerRegistry: 'AMAZON_ECR',
            registry: null,
            repository: 'team/app',
            region: 'us-east-1',
            login: null,
            password: null,
            integration: bad,
          },
        },
        log,
        async () => undefined,
      ),
    ).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/AWS rejected/);
    expect((error as Error).message).not.toContain('wrong-secret-key-value');
    expect(log.some((l) => l.includes('build started'))).toBe(false);
  });
});
