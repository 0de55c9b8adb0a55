/**
 * The index job of a fanned-out build (run: `npm run bench:fan-out`; a benchmark, never a timed test): four
 * platform images built by `buildPlatform` and pushed by digest to a registry on loopback, then the time of
 * `assembleIndex` — from the last platform's push to the verified index under two tags — over RUNS runs, and the
 * time of each platform's digest push beside the time of its build.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuildEvent, PlatformImage } from '../../src/app/ports/engine.js';
import { createBuildahEngine } from '../../src/engine/buildah/buildah-engine.js';
import { ensureBusyboxBase } from '../../test/support/busybox-base.js';
import { startOpenRegistry } from '../../test/support/registry.js';
import { ALL_PLATFORMS, makeRepo, specFor } from '../../test/engine/helpers.js';
import { reportLatency } from '../shared/latency.js';

const RUNS = Number(process.env.RUNS ?? 10);
const work = mkdtempSync(join(tmpdir(), 'archway-bench-fan-out-'));
const registry = await startOpenRegistry(join(work, 'registry'));
const repo = makeRepo({ Dockerfile: `FROM ${await ensureBusyboxBase(registry.host)}\nRUN uname -m > /arch.txt\n` });
try {
  const engine = createBuildahEngine({ dir: join(work, 'engine'), access: { insecure: [registry.host], caDir: null } });
  const spec = specFor(repo, registry.host, { platforms: ALL_PLATFORMS, repository: 'bench/fan-out' });
  const images: PlatformImage[] = [];
  const builds: number[] = [];
  for (const p of ALL_PLATFORMS) {
    const started = Date.now();
    images.push(await engine.buildPlatform({ ...spec, platforms: [p] }, () => undefined));
    builds.push(Date.now() - started);
  }
  reportLatency('buildPlatform (build + digest push)', builds);
  const index: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const events: BuildEvent[] = [];
    const started = Date.now();
    await engine.assembleIndex({ ...spec, tags: [`r${i}`, 'latest'] }, images, (e) => events.push(e));
    index.push(Date.now() - started);
  }
  reportLatency('assembleIndex (2 tags, verified)', index);
} finally {
  await registry.stop();
  rmSync(work, { recursive: true, force: true });
  rmSync(repo, { recursive: true, force: true });
}
