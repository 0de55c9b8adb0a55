import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildError, type BuildFailureReason } from '../../src/domain/errors.js';
import { createBuildahEngine } from '../../src/engine/buildah/buildah-engine.js';
import type { BuildSpec, Engine } from '../../src/app/ports/engine.js';
import type { LocalRegistry } from '../../src/registry-server/local-registry.js';
import { ensureBusyboxBase } from '../support/busybox-base.js';
import { rawIndex } from '../support/image-files.js';
import { startOpenRegistry } from '../support/registry.js';
import { collect, makeRepo, specFor } from './helpers.js';

/** Each failure of issue 3 item 4 ends as a BuildError whose sentence names what to fix. */
describe('build errors a person can act on', () => {
  let work: string;
  let registry: LocalRegistry;
  let base: string;
  let engine: Engine;
  const repos: string[] = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'archway-errors-'));
    registry = await startOpenRegistry(join(work, 'registry'));
    base = await ensureBusyboxBase(registry.host);
    engine = createBuildahEngine({
      dir: join(work, 'engine'),
      access: { insecure: [registry.host, '127.0.0.1:1'], caDir: null },
    });
  });
  afterAll(async () => {
    await registry?.stop();
    for (const r of [work, ...repos]) rmSync(r, { recursive: true, force: true });
  });

  async function failure(
    files: Record<string, string>,
    over: Partial<BuildSpec> = {},
  ): Promise<{ error: BuildError; spec: BuildSpec; ms: number }> {
    const root = makeRepo(files);
    repos.push(root);
    const spec = specFor(root, registry.host, over);
    const started = Date.now();
    const error = await engine.build(spec, collect().on).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BuildError);
    return { error: error as BuildError, spec, ms: Date.now() - started };
  }
  const expectReason = (e: BuildError, reason: BuildFailureReason, ...parts: Array<string | RegExp>) => {
    expect(e.reason, e.message).toBe(reason);
    for (const p of parts) expect(e.message).toMatch(p);
  };

  it('a failing RUN names the platform, the step and the exit code, and pushes nothing', async () => {
    const { error, spec } = await failure(
      { Dockerfile: `FROM ${base}\nRUN echo ok\nRUN test "$(uname -m)" != aarch64 || exit 3\n` },
      { platforms: ['linux/amd64', 'linux/arm64'] },
    );
    expectReason(error, 'RUN_FAILED', 'linux/arm64', 'step 3/3', /RUN test/, 'exit code 3');
    await expect(rawIndex(`${spec.registry}/${spec.repository}:latest`)).rejects.toThrow(
      /manifest unknown|name unknown/,
    );
  });

  it('a missing Dockerfile or context is found before any build', async () => {
    const a = await failure({ 'README.md': 'x' });
    expectReason(a.error, 'DOCKERFILE_NOT_FOUND', 'The Dockerfile "Dockerfile" does not exist in the repository.');
    const root = makeRepo({ Dockerfile: `FROM ${base}\n` });
    repos.push(root);
    const b = await engine
      .build(specFor(root, registry.host, { contextDir: join(root, 'nope') }), () => undefined)
      .catch((e: BuildError) => e);
    expectReason(b as BuildError, 'CONTEXT_NOT_FOUND', 'The context path "nope" does not exist in the repository.');
  });

  it('a COPY source missing from the context', async () => {
    const { error } = await failure({ Dockerfile: `FROM ${base}\nCOPY nothere.txt /\n` });
    expectReason(error, 'COPY_SOURCE_MISSING', '"nothere.txt" is not in the build context', 'linux/amd64');
  });

  it('an unknown target stage lists the stages there are', async () => {
    const { error, ms } = await failure(
      { Dockerfile: `FROM ${base} AS build\nFROM ${base} AS final\n` },
      { targetStage: 'nosuch' },
    );
    expectReason(
      error,
      'TARGET_NOT_FOUND',
      'The target stage "nosuch" is not in the Dockerfile (its stages: build, final).',
    );
    expect(ms).toBeLessThan(5_000);
  });

  it('syntax errors: an unknown instruction, an instruction before FROM', async () => {
    const a = await failure({ Dockerfile: `FROM ${base}\nRUNN echo hi\n` });
    expectReason(a.error, 'DOCKERFILE_SYNTAX', 'unknown instruction "RUNN"');
    const b = await failure({ Dockerfile: `RUN echo hi\nFROM ${base}\n` });
    expectReason(b.error, 'DOCKERFILE_SYNTAX', 'RUN comes before the first FROM');
  });

  it('a pinned stage that cannot be built apart is refused (buildah 1.28 would mislabel the later stages)', async () => {
    // It reads a stage built for the target, so it cannot be built on its own for linux/amd64.
    const pinned = `FROM ${base} AS deps\nRUN echo d > /d\nFROM --platform=linux/amd64 ${base} AS tool\nCOPY --from=deps /d /d\nRUN uname -m > /on\nFROM ${base}\nCOPY --from=tool /on /on\n`;
    const { error, ms } = await failure({ Dockerfile: pinned }, { platforms: ['linux/amd64', 'linux/arm64'] });
    expectReason(error, 'DOCKERFILE_SYNTAX', 'pins the stage from');
    expect(error.message).toContain('labelling the image linux/arm64; use --platform=$BUILDPLATFORM');
    expect(ms).toBeLessThan(5_000);
    // The same stage for its own platform alone builds (test/engine/pinned-stages.test.ts builds one apart).
    const root = makeRepo({ Dockerfile: pinned });
    repos.push(root);
    await expect(engine.build(specFor(root, registry.host), collect().on)).resolves.toMatchObject({
      platforms: [expect.objectContaining({ platform: 'linux/amd64' })],
    });
  });

  it('a base image without a requested platform is named with the platforms it has', async () => {
    const single = `${registry.host}/library/amd64-only:1`;
    const root = makeRepo({ Dockerfile: `FROM ${base}\n` });
    repos.push(root);
    await engine.build(
      specFor(root, registry.host, { repository: 'library/amd64-only', tags: ['1'] }),
      () => undefined,
    );
    const { error, ms } = await failure(
      { Dockerfile: `ARG TAG=1\nFROM ${registry.host}/library/amd64-only:$TAG\n` },
      { platforms: ['linux/amd64', 'linux/arm/v6'] },
    );
    expectReason(
      error,
      'BASE_PLATFORM_MISSING',
      `The base image ${single} has no linux/arm/v6 variant (it has: linux/amd64).`,
    );
    expect(ms).toBeLessThan(5_000);
  });

  it('a base image that does not exist', async () => {
    const { error } = await failure({ Dockerfile: `FROM ${registry.host}/library/nosuch:1\n` });
    expectReason(
      error,
      'BASE_IMAGE_NOT_FOUND',
      `The base image ${registry.host}/library/nosuch:1 (line 1) does not exist in its registry.`,
    );
  });

  it('an unreachable target registry fails in pre-flight, in well under a second per call', async () => {
    const { error, ms } = await failure({ Dockerfile: `FROM ${base}\n` }, { registry: '127.0.0.1:1' });
    expectReason(error, 'REGISTRY_UNREACHABLE', 'registry 127.0.0.1:1 is unreachable', /connection refused/);
    expect(ms).toBeLessThan(5_000);
  });
});
