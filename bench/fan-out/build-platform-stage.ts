/**
 * What a `FROM --platform=$BUILDPLATFORM` stage costs today (run: `npx tsx bench/fan-out/build-platform-stage.ts`;
 * a benchmark, never a timed test). The same 4-platform build through the buildah engine, its first stage a
 * CPU-bound loop (engine-notes section 1) whose result the final stage copies, once with
 * `FROM --platform=$BUILDPLATFORM` and once with a plain `FROM`; what ran where is read back from the images
 * (`/built-on`, the stage's `uname -m`).
 *
 * Measured on this machine with buildah 1.28: `$BUILDPLATFORM` resolves to the *target* platform there, so the
 * stage runs under QEMU in every foreign unit, once per platform (13.4 s against 15.6 s for the plain FROM; the
 * stage's `uname -m` says aarch64 and armv7l). Passing `--build-arg BUILDPLATFORM=linux/amd64` makes the stage
 * native, but then buildah records the arm/v7 image as plain linux/arm, which the index check refuses; and a literal
 * `FROM --platform=linux/amd64` stage makes buildah build the later stages for amd64 too (an "arm64" image of x86_64
 * binaries), which the pre-flight now refuses. Building such a stage natively, and once per agent, needs a newer
 * buildah or a build of that stage of its own.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBuildahEngine } from '../../src/engine/buildah/buildah-engine.js';
import { ensureBusyboxBase } from '../../test/support/busybox-base.js';
import { fetchImage, rawIndex, unpackLayers } from '../../test/support/image-files.js';
import { startOpenRegistry } from '../../test/support/registry.js';
import { ALL_PLATFORMS, makeRepo, specFor } from '../../test/engine/helpers.js';

const LOOP = 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done';
const work = mkdtempSync(join(tmpdir(), 'archway-bench-buildplatform-'));
const registry = await startOpenRegistry(join(work, 'registry'));
try {
  const base = await ensureBusyboxBase(registry.host);
  const engine = createBuildahEngine({ dir: join(work, 'engine'), access: { insecure: [registry.host], caDir: null } });
  for (const [name, from] of [
    ['FROM --platform=$BUILDPLATFORM', `FROM --platform=$BUILDPLATFORM ${base} AS tool`],
    ['FROM (emulated stage)', `FROM ${base} AS tool`],
  ] as const) {
    const repo = makeRepo({
      Dockerfile: `${from}\nRUN ${LOOP}; uname -m > /built-on\nFROM ${base}\nCOPY --from=tool /built-on /built-on\n`,
    });
    const repository = `bench/${name.includes('BUILDPLATFORM') ? 'native-stage' : 'emulated-stage'}`;
    const started = Date.now();
    const result = await engine.build(specFor(repo, registry.host, { platforms: ALL_PLATFORMS, repository }), () => {});
    const wall = Date.now() - started;
    const index = await rawIndex(`${registry.host}/${repository}:latest`);
    const ranOn: string[] = [];
    for (const m of index.manifests) {
      const dir = join(work, repository.replace('/', '-'), m.digest.slice(7, 19));
      const rootfs = await unpackLayers(
        await fetchImage(`${registry.host}/${repository}@${m.digest}`, dir),
        `${dir}-fs`,
      );
      ranOn.push(readFileSync(join(rootfs, 'built-on'), 'utf8').trim());
    }
    const perPlatform = result.platforms.map((p) => `${p.platform} ${(p.durationMs / 1000).toFixed(1)} s`).join(', ');
    console.log(
      `${name.padEnd(32)} wall ${(wall / 1000).toFixed(1)} s; ${perPlatform}; the stage ran on: ${ranOn.join(', ')}`,
    );
    rmSync(repo, { recursive: true, force: true });
  }
} finally {
  await registry.stop();
  rmSync(work, { recursive: true, force: true });
}
