import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuildahEngine } from '../../src/engine/buildah-engine.js';
import type { BuildResult, BuildSpec } from '../../src/engine/engine.js';
import type { LocalRegistry } from '../../src/registry/local-registry.js';
import { ensureBusyboxBase } from '../support/busybox-base.js';
import { startOpenRegistry } from '../support/registry.js';
import { makeRepo, specFor } from './helpers.js';

const cached = (r: BuildResult) => r.platforms.map((p) => `${p.platform} ${p.cachedSteps}/${p.totalSteps}`);

/** cache_mode MIN (a persistent local store per cache scope) and MAX (plus a cache repository in the registry). */
describe('layer cache', () => {
  let work: string;
  let registry: LocalRegistry;
  let base: string;
  let root: string;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'archway-cache-'));
    registry = await startOpenRegistry(join(work, 'registry'));
    base = await ensureBusyboxBase(registry.host);
    root = makeRepo({ Dockerfile: `FROM ${base}\nENV STAGE=build\nRUN uname -m > /arch && echo built\nCOPY Dockerfile /src/\nRUN echo "$(cat /arch)" > /done\n` });
  });
  afterAll(async () => {
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });
  const spec = (over: Partial<BuildSpec>) => specFor(root, registry.host, { platforms: ['linux/amd64', 'linux/arm64'], repository: 'team/cached', ...over });

  it('MIN: a rebuild with nothing changed takes every step from the cache and uploads no blob; clear_cache starts cold', async () => {
    const engine = createBuildahEngine({ dir: join(work, 'min'), access: { insecure: [registry.host], caDir: null } });
    const cache = { mode: 'min' as const, key: 'project-1', clear: false };
    const cold = await engine.build(spec({ cache }), () => undefined);
    expect(cached(cold)).toEqual(['linux/amd64 0/5', 'linux/arm64 0/5']);
    const uploadsBefore = await registry.countBlobUploads();
    const warm = await engine.build(spec({ cache }), () => undefined);
    expect(cached(warm)).toEqual(['linux/amd64 4/5', 'linux/arm64 4/5']); // every step but FROM
    expect(await registry.countBlobUploads()).toBe(uploadsBefore);
    expect(warm.indexDigest).toBe(cold.indexDigest);
    const cleared = await engine.build(spec({ cache: { ...cache, clear: true } }), () => undefined);
    expect(cached(cleared)).toEqual(['linux/amd64 0/5', 'linux/arm64 0/5']);
    const otherScope = await engine.build(spec({ cache: { ...cache, key: 'project-2' } }), () => undefined);
    expect(cached(otherScope)).toEqual(['linux/amd64 0/5', 'linux/arm64 0/5']);
  });

  it('keeps each platform\'s cache apart (buildah 1.28 ignores the platform in its --layers lookup)', async () => {
    const scratch = makeRepo({ Dockerfile: 'FROM scratch\nARG TARGETARCH\nCOPY Dockerfile /\n' });
    const engine = createBuildahEngine({ dir: join(work, 'apart'), access: { insecure: [registry.host], caDir: null } });
    const cache = { mode: 'min' as const, key: 'project-apart', clear: false };
    await engine.build(specFor(scratch, registry.host, { platforms: ['linux/amd64'], repository: 'team/apart', cache }), () => undefined);
    const both = await engine.build(specFor(scratch, registry.host, { platforms: ['linux/amd64', 'linux/arm64'], repository: 'team/apart', cache }), () => undefined);
    expect(cached(both)).toEqual(['linux/amd64 2/3', 'linux/arm64 0/3']);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('MAX: another agent with an empty store takes every step from the cache repository, ARG steps and all', async () => {
    const withArgs = makeRepo({ Dockerfile: `FROM ${base}\nARG TARGETARCH\nARG GREETING=hi\nRUN echo "$GREETING $TARGETARCH" > /g\nCOPY Dockerfile /src/\nRUN cat /g\n` });
    const cache = { mode: 'max' as const, key: 'project-3', clear: false };
    const maxSpec = (dir: string) => specFor(withArgs, registry.host, { platforms: ['linux/amd64', 'linux/arm64'], repository: 'team/max', cache });
    const first = createBuildahEngine({ dir: join(work, 'max-a'), access: { insecure: [registry.host], caDir: null } });
    const firstLines: string[] = [];
    const cold = await first.build(maxSpec('a'), (e) => e.type === 'log' && firstLines.push(e.line));
    expect(cached(cold)).toEqual(['linux/amd64 0/6', 'linux/arm64 0/6']);
    expect(firstLines.filter((l) => /^Layer cache: [1-9]\d* new step images pushed to .*team\/max-cache-linux-(amd64|arm64)$/.test(l))).toHaveLength(2);
    const second = createBuildahEngine({ dir: join(work, 'max-b'), access: { insecure: [registry.host], caDir: null } });
    const lines: string[] = [];
    const warm = await second.build(maxSpec('b'), (e) => e.type === 'log' && lines.push(e.line));
    expect(cached(warm)).toEqual(['linux/amd64 5/6', 'linux/arm64 5/6']);
    expect(lines.some((l) => /^Layer cache: [1-9]\d* step images pulled from/.test(l))).toBe(true);
    expect(lines.filter((l) => /^Layer cache: 0 new step images pushed/.test(l))).toHaveLength(2);
    expect(warm.indexDigest).toBe(cold.indexDigest);
    rmSync(withArgs, { recursive: true, force: true });
  });
});
