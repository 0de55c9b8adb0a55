import { mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBuildMemo, type RememberedBuild } from './build-memo.js';

const build = (n: number, over: Partial<RememberedBuild> = {}): RememberedBuild => ({
  fingerprint: `fp-${n}`,
  registry: 'r:5000',
  repository: 't/app',
  indexDigest: `sha256:${String(n).padStart(64, '0')}`,
  platforms: [{ platform: 'linux/arm64', emulated: true, totalSteps: 5 }],
  ...over,
});

describe('build memo', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'archway-memo-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('recalls a build by fingerprint, registry and repository, per cache key', async () => {
    const memo = createBuildMemo(dir);
    await memo.remember('project-1', build(1));
    expect(await memo.recall('project-1', 'fp-1', 'r:5000', 't/app')).toEqual(build(1));
    expect(await memo.recall('project-1', 'fp-1', 'r:5000', 't/other')).toBeUndefined();
    expect(await memo.recall('project-1', 'fp-1', 'other:5000', 't/app')).toBeUndefined();
    expect(await memo.recall('project-2', 'fp-1', 'r:5000', 't/app')).toBeUndefined();
    await memo.remember('project-1', build(1, { indexDigest: `sha256:${'f'.repeat(64)}` }));
    expect((await memo.recall('project-1', 'fp-1', 'r:5000', 't/app'))?.indexDigest).toBe(`sha256:${'f'.repeat(64)}`);
    await memo.forget('project-1');
    expect(await memo.recall('project-1', 'fp-1', 'r:5000', 't/app')).toBeUndefined();
  });

  it('keeps the newest 32 per key, writes no temp file behind, and reads a damaged file as empty', async () => {
    const memo = createBuildMemo(dir);
    for (let n = 0; n < 40; n++) await memo.remember('k', build(n));
    expect(await memo.recall('k', 'fp-39', 'r:5000', 't/app')).toBeDefined();
    expect(await memo.recall('k', 'fp-8', 'r:5000', 't/app')).toBeDefined();
    expect(await memo.recall('k', 'fp-7', 'r:5000', 't/app')).toBeUndefined();
    const files = readdirSync(join(dir, 'fingerprints'));
    expect(files).toHaveLength(1);
    writeFileSync(join(dir, 'fingerprints', files[0] as string), '{not json');
    expect(await memo.recall('k', 'fp-39', 'r:5000', 't/app')).toBeUndefined();
    await memo.remember('k', build(1));
    expect(await memo.recall('k', 'fp-1', 'r:5000', 't/app')).toBeDefined();
  });
});
