import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../src/domain/platform.js';
import { runChild } from '../../src/process/child.js';
import { createBuildahEngine } from '../../src/engine/buildah/buildah-engine.js';
import type { LocalRegistry } from '../../src/registry-server/local-registry.js';
import { BUSYBOX_PLATFORMS, ensureBusyboxBase } from '../support/busybox-base.js';
import { fetchImage, rawIndex, unpackLayers } from '../support/image-files.js';
import { startOpenRegistry } from '../support/registry.js';
import { ALL_PLATFORMS, collect, makeRepo, specFor } from './helpers.js';

/**
 * Pinned stages for real (issue 14 part 5): a `FROM --platform=$BUILDPLATFORM` stage runs natively on this x86
 * machine once per build (or once per target when it reads TARGET* args), and a literal pin no longer makes
 * buildah 1.28 build the image for the pinned platform. What ran where is read back from each pushed image.
 */
describe('pinned stages are built apart, for their own platform', () => {
  let registry: LocalRegistry;
  let work: string;
  let base: string;
  const repos: string[] = [];
  let engine: ReturnType<typeof createBuildahEngine>;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'archway-pinned-'));
    registry = await startOpenRegistry(join(work, 'registry'));
    base = await ensureBusyboxBase(registry.host);
    engine = createBuildahEngine({ dir: join(work, 'engine'), access: { insecure: [registry.host], caDir: null } });
  }, 120_000);
  afterAll(async () => {
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
    for (const r of repos) rmSync(r, { recursive: true, force: true });
  });

  const repo = (files: Record<string, string>) => {
    const root = makeRepo(files);
    repos.push(root);
    return root;
  };

  /** Each platform image's files, config platform and busybox ELF machine, in the index's order. */
  async function imagesOf(repository: string, files: string[]) {
    const index = await rawIndex(`${registry.host}/${repository}:latest`);
    const out: Array<{ platform: string; files: string[]; elfMachine: number }> = [];
    for (const m of index.manifests as Array<{
      digest: string;
      platform: { architecture: string; variant?: string };
    }>) {
      const dir = join(work, 'fetched', m.digest.slice(7, 19));
      const image = await fetchImage(`${registry.host}/${repository}@${m.digest}`, dir);
      const rootfs = await unpackLayers(image, `${dir}-fs`);
      const c = image.config as { os: string; architecture: string; variant?: string };
      out.push({
        platform: [c.os, c.architecture, c.variant].filter(Boolean).join('/').replace('arm64/v8', 'arm64'),
        files: files.map((f) => readFileSync(join(rootfs, f), 'utf8').trim()),
        elfMachine: readFileSync(join(rootfs, 'bin', 'busybox')).readUInt16LE(18),
      });
    }
    return out;
  }
  const elfOf = (p: string) =>
    BUSYBOX_PLATFORMS.find((b) => b.platform === p || (p === 'linux/arm64' && b.platform.startsWith(p)))?.elfMachine;

  it('a $BUILDPLATFORM stage with TARGET* args runs natively once per target, with that target’s values', async () => {
    const root = repo({
      Dockerfile: `FROM --platform=$BUILDPLATFORM ${base} AS tool
ARG TARGETARCH
ARG TARGETVARIANT
RUN uname -m > /built-on && echo "$TARGETARCH$TARGETVARIANT" > /target
FROM ${base}
COPY --from=tool /built-on /target /
RUN uname -m > /final-on
`,
    });
    const log = collect();
    const started = Date.now();
    await engine.build(specFor(root, registry.host, { platforms: ALL_PLATFORMS, repository: 't/cross' }), log.on);
    const wall = Date.now() - started;
    const images = await imagesOf('t/cross', ['built-on', 'target', 'final-on']);
    expect(images.map((i) => i.platform)).toEqual(['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6']);
    expect(images.map((i) => i.files)).toEqual([
      ['x86_64', 'amd64', 'x86_64'],
      ['x86_64', 'arm64', 'aarch64'],
      ['x86_64', 'armv7', 'armv7l'],
      ['x86_64', 'armv6', 'armv7l'], // QEMU's default ARM CPU answers v7 for a v6 image (engine-notes section 3)
    ]);
    images.forEach((i) => expect(i.elfMachine).toBe(elfOf(i.platform)));
    const apart = log
      .lines()
      .filter((l) => l.includes('Stage tool (FROM --platform=$BUILDPLATFORM) is built on its own'));
    expect(apart).toHaveLength(4);
    expect(apart.every((l) => l.includes('for linux/amd64 (native), with the TARGET* args of'))).toBe(true);
    console.log(`4 platforms, the stage native per target: ${(wall / 1000).toFixed(1)} s`);
  }, 240_000);

  it('a stage that reads no TARGET* arg is built once and shared; its base needs only the host platform', async () => {
    // An amd64-only image as the tool stage's base: before, every target had to be in it.
    const amd64Only = `${registry.host}/library/amd64-tools:1`;
    await engine.build(
      specFor(repo({ Dockerfile: `FROM ${base}\nRUN echo tools > /tools\n` }), registry.host, {
        repository: 'library/amd64-tools',
        tags: ['1'],
      }),
      () => undefined,
    );
    const dockerfile = `FROM --platform=$BUILDPLATFORM ${amd64Only} AS tool\nRUN uname -m > /built-on && cat /tools > /t\nFROM ${base}\nCOPY --from=tool /built-on /t /\n`;
    const log = collect();
    await engine.build(
      specFor(repo({ Dockerfile: dockerfile }), registry.host, { platforms: ALL_PLATFORMS, repository: 't/shared' }),
      log.on,
    );
    const images = await imagesOf('t/shared', ['built-on', 't']);
    expect(images.map((i) => i.files)).toEqual(ALL_PLATFORMS.map(() => ['x86_64', 'tools']));
    images.forEach((i) => expect(i.elfMachine).toBe(elfOf(i.platform)));
    expect(log.lines().filter((l) => l.includes('is built on its own'))).toHaveLength(1);
    expect(log.lines().filter((l) => l.includes('Stage tool: its linux/amd64 build is reused'))).toHaveLength(3);
  }, 240_000);

  it('a literal pin builds the stage for that platform and the image for its own (buildah alone mislabelled it)', async () => {
    const dockerfile = `FROM --platform=linux/amd64 ${base} AS tool\nRUN uname -m > /built-on\nFROM ${base}\nCOPY --from=tool /built-on /\nRUN uname -m > /final-on\n`;
    const platforms: Platform[] = ['linux/arm64', 'linux/arm/v7'];
    await engine.build(
      specFor(repo({ Dockerfile: dockerfile }), registry.host, { platforms, repository: 't/literal' }),
      () => undefined,
    );
    const images = await imagesOf('t/literal', ['built-on', 'final-on']);
    expect(images.map((i) => [i.platform, ...i.files])).toEqual([
      ['linux/arm64', 'x86_64', 'aarch64'],
      ['linux/arm/v7', 'x86_64', 'armv7l'],
    ]);
    images.forEach((i) => expect(i.elfMachine).toBe(elfOf(i.platform)));
  }, 240_000);

  it('the relabel pinned stages use also corrects buildah recording a FROM scratch arm/v6 image as v7', async () => {
    const log = collect();
    const platforms: Platform[] = ['linux/arm/v6', 'linux/arm/v7'];
    const spec = specFor(repo({ Dockerfile: 'FROM scratch\nCOPY Dockerfile /\n' }), registry.host, {
      platforms,
      repository: 't/scratch-v6',
    });
    await engine.build(spec, log.on);
    expect(log.lines()).toContain(
      '[linux/arm/v6] buildah recorded linux/arm/v7 for a linux/arm/v6 image; correcting its config.',
    );
    const index = await rawIndex(`${registry.host}/t/scratch-v6:latest`);
    expect(index.manifests.map((m: { platform: { variant: string } }) => m.platform.variant)).toEqual(['v6', 'v7']);
  }, 120_000);

  it('a pinned stage that fails fails the build with its step, and nothing is pushed', async () => {
    const dockerfile = `FROM --platform=$BUILDPLATFORM ${base} AS tool\nRUN echo broken && exit 3\nFROM ${base}\nCOPY --from=tool /x /x\n`;
    const spec = specFor(repo({ Dockerfile: dockerfile }), registry.host, {
      platforms: ALL_PLATFORMS,
      repository: 't/broken',
    });
    const error = await engine
      .build(spec, () => undefined)
      .then(
        () => null,
        (e: unknown) => e as { reason: string; message: string },
      );
    expect(error?.reason).toBe('RUN_FAILED');
    expect(error?.message).toMatch(/step 2\/2 \(RUN echo broken && exit 3\)/);
    expect(error?.message).toMatch(/exit(ed with)? (status |code )?3/);
    await expect(rawIndex(`${registry.host}/t/broken:latest`)).rejects.toThrow();
  }, 120_000);

  it('platform jobs with a cache share the stage on one agent, and build it again when its inputs change', async () => {
    const root = repo({
      Dockerfile: `FROM --platform=$BUILDPLATFORM ${base} AS tool\nCOPY input /input\nRUN uname -m > /built-on\nFROM ${base}\nCOPY --from=tool /built-on /input /\n`,
      input: 'one',
    });
    const spec = specFor(root, registry.host, {
      platforms: ALL_PLATFORMS,
      repository: 't/parts',
      cache: { mode: 'min', key: 'ws/pinned', clear: false },
    });
    const said = async (p: Platform) => {
      const log = collect();
      const image = await engine.buildPlatform({ ...spec, platforms: [p] }, log.on);
      const dir = join(work, 'parts', image.digest.slice(7, 19));
      const rootfs = await unpackLayers(await fetchImage(`${registry.host}/t/parts@${image.digest}`, dir), `${dir}-fs`);
      const input = readFileSync(join(rootfs, 'input'), 'utf8');
      return [input, ...log.lines().filter((l) => /is built on its own|is reused/.test(l))];
    };
    expect(await said('linux/arm64')).toEqual([
      'one',
      expect.stringContaining('is built on its own for linux/amd64 (native)'),
    ]);
    expect(await said('linux/arm/v7')).toEqual([
      'one',
      expect.stringContaining('Stage tool: its linux/amd64 build is reused'),
    ]);
    writeFileSync(join(root, 'input'), 'two');
    expect(await said('linux/arm/v6')).toEqual([
      'two',
      expect.stringContaining('is built on its own for linux/amd64 (native)'),
    ]);
    // arm64's store holds the layer cache of the first build: the changed stage must not come from it
    expect(await said('linux/arm64')).toEqual([
      'two',
      expect.stringContaining('Stage tool: its linux/amd64 build is reused'),
    ]);
    // The platform stores keep no pinned-stage copy after the builds (only the key's pinned-stages store has them).
    const cache = join(work, 'engine', 'cache');
    for (const key of readdirSync(cache)) {
      for (const slug of readdirSync(join(cache, key)).filter((d) => d.startsWith('linux-'))) {
        const dir = join(cache, key, slug);
        const names = await runChild([
          'buildah',
          '--root',
          join(dir, 'root'),
          '--runroot',
          join(dir, 'run'),
          '--storage-driver',
          'overlay',
          'images',
          '--format',
          '{{.Name}}',
        ]);
        expect(names.stdout, slug).not.toContain('archway-stage');
      }
    }
  }, 240_000);
});
