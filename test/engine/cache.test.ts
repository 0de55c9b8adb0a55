import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuildahEngine } from '../../src/engine/buildah/buildah-engine.js';
import type { BuildEvent, BuildResult, BuildSpec } from '../../src/app/ports/engine.js';
import { cacheDir } from '../../src/engine/buildah/image-store.js';
import { readTagDigest } from '../../src/engine/buildah/registry-reader.js';
import { runChild } from '../../src/process/child.js';
import type { LocalRegistry } from '../../src/registry-server/local-registry.js';
import { ensureBusyboxBase } from '../support/busybox-base.js';
import { startOpenRegistry } from '../support/registry.js';
import { collect, makeRepo, specFor } from './helpers.js';

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
    root = makeRepo({
      Dockerfile: `FROM ${base}\nENV STAGE=build\nRUN uname -m > /arch && echo built\nCOPY Dockerfile /src/\nRUN echo "$(cat /arch)" > /done\n`,
    });
  });
  afterAll(async () => {
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });
  const spec = (over: Partial<BuildSpec>) =>
    specFor(root, registry.host, { platforms: ['linux/amd64', 'linux/arm64'], repository: 'team/cached', ...over });

  it('MIN: an unchanged rebuild reuses the pushed index (and tags it), a changed context goes step by step through the layer cache; clear_cache starts cold', async () => {
    const engine = createBuildahEngine({ dir: join(work, 'min'), access: { insecure: [registry.host], caDir: null } });
    const cache = { mode: 'min' as const, key: 'project-1', clear: false };
    const cold = await engine.build(spec({ cache }), () => undefined);
    expect(cached(cold)).toEqual(['linux/amd64 0/5', 'linux/arm64 0/5']);
    const uploadsBefore = await registry.countBlobUploads();

    const events = collect();
    const again = await engine.build(spec({ cache, tags: ['latest', 'again'] }), events.on);
    expect(events.events.filter((e) => e.type === 'step' || e.type === 'platform-started')).toEqual([]); // nothing built
    expect(
      events.events.some(
        (e) => e.type === 'preflight' && e.message.startsWith(`Nothing changed since the build of ${cold.indexDigest}`),
      ),
    ).toBe(true);
    expect(again.indexDigest).toBe(cold.indexDigest);
    expect(cached(again)).toEqual(['linux/amd64 5/5', 'linux/arm64 5/5']);
    expect(again.references).toEqual([`${registry.host}/team/cached:latest`, `${registry.host}/team/cached:again`]);
    const read = { authFile: null, tls: { verify: false, certDir: null } };
    expect(await readTagDigest(`${registry.host}/team/cached:again`, read)).toBe(cold.indexDigest);

    writeFileSync(join(root, 'notes.txt'), 'not copied by the Dockerfile, but in the context\n');
    const warmLines = collect();
    const warm = await engine.build(spec({ cache }), warmLines.on);
    expect(warmLines.events.some((e) => e.type === 'preflight' && e.message.startsWith('Nothing changed'))).toBe(false);
    expect(cached(warm)).toEqual(['linux/amd64 4/5', 'linux/arm64 4/5']); // every step but FROM, from the layer cache
    expect(await registry.countBlobUploads()).toBe(uploadsBefore);
    expect(warm.indexDigest).toBe(cold.indexDigest);

    const cleared = await engine.build(spec({ cache: { ...cache, clear: true } }), () => undefined);
    expect(cached(cleared)).toEqual(['linux/amd64 0/5', 'linux/arm64 0/5']);
    const otherScope = await engine.build(spec({ cache: { ...cache, key: 'project-2' } }), () => undefined);
    expect(cached(otherScope)).toEqual(['linux/amd64 0/5', 'linux/arm64 0/5']);
    rmSync(join(root, 'notes.txt'));
  });

  it('MAX after MIN: a build this agent remembers but never recorded is recorded when it is reused, for other agents', async () => {
    const repo = makeRepo({ Dockerfile: `FROM ${base}\nRUN echo recorded > /r\n` });
    const scope = { key: 'project-min-then-max', clear: false };
    const build = (name: string, mode: 'min' | 'max') => {
      const events = collect();
      const engine = createBuildahEngine({ dir: join(work, name), access: { insecure: [registry.host], caDir: null } });
      const s = specFor(repo, registry.host, {
        platforms: ['linux/amd64'],
        repository: 'team/min-then-max',
        cache: { ...scope, mode },
      });
      return engine
        .build(s, events.on)
        .then(() =>
          events.events.flatMap((e) => (e.type === 'log' ? [e.line] : e.type === 'preflight' ? [e.message] : [])),
        );
    };
    const recordedLine = `Layer cache: build recorded in ${registry.host}/team/min-then-max-cache-builds`;
    expect(await build('mtm-a', 'min')).not.toContain(recordedLine);
    const reusedUnderMax = await build('mtm-a', 'max');
    expect(reusedUnderMax.some((l) => l.startsWith('Nothing changed since the build of'))).toBe(true);
    expect(reusedUnderMax).toContain(recordedLine);
    expect(await build('mtm-a', 'max')).not.toContain(recordedLine); // recorded once
    const otherAgent = await build('mtm-b', 'max');
    expect(otherAgent.some((l) => l.startsWith('Nothing changed since the build of'))).toBe(true);
    rmSync(repo, { recursive: true, force: true });
  });

  it('builds again when only the secret changed (the layer cache alone would not notice)', async () => {
    const secretRepo = makeRepo({
      Dockerfile: `FROM ${base}\nRUN --mount=type=secret,id=token wc -c < /run/secrets/token > /len\n`,
      'token.txt': 'one',
    });
    const engine = createBuildahEngine({
      dir: join(work, 'secret'),
      access: { insecure: [registry.host], caDir: null },
    });
    const cache = { mode: 'min' as const, key: 'project-secret', clear: false };
    const build = () => {
      const events = collect();
      const s = specFor(secretRepo, registry.host, {
        platforms: ['linux/amd64'],
        repository: 'team/secret',
        cache,
        secret: { id: 'token', file: join(secretRepo, 'token.txt') },
      });
      return engine.build(s, events.on).then((r) => ({
        r,
        reused: events.events.some((e) => e.type === 'preflight' && e.message.startsWith('Nothing changed')),
      }));
    };
    expect((await build()).reused).toBe(false);
    expect((await build()).reused).toBe(true);
    writeFileSync(join(secretRepo, 'token.txt'), 'two');
    expect((await build()).reused).toBe(false);
    rmSync(secretRepo, { recursive: true, force: true });
  });

  it('drops the build names of the platforms that finished when another platform failed', async () => {
    const failing = makeRepo({
      Dockerfile: `FROM ${base}\nRUN echo built on $(uname -m) > /a\nRUN test "$(uname -m)" != aarch64\n`,
    });
    const dir = join(work, 'partial');
    const engine = createBuildahEngine({ dir, access: { insecure: [registry.host], caDir: null }, parallel: 1 });
    const cache = { mode: 'min' as const, key: 'project-partial', clear: false };
    const err = await engine
      .build(
        specFor(failing, registry.host, {
          platforms: ['linux/amd64', 'linux/arm64'],
          repository: 'team/partial',
          cache,
        }),
        () => undefined,
      )
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^RUN step failed on linux\/arm64/);
    const store = join(cacheDir(dir, 'project-partial'), 'linux-amd64');
    const names = await runChild([
      'buildah',
      '--root',
      join(store, 'root'),
      '--runroot',
      join(store, 'run'),
      '--storage-driver',
      'overlay',
      'images',
      '--format',
      '{{.Name}}',
    ]);
    expect(names.stdout.split('\n').filter((n) => n.includes('archway-') && !n.includes('archway-cache'))).toEqual([]);
    expect(names.stdout).toContain('localhost/archway-cache'); // the layer cache is kept
    rmSync(failing, { recursive: true, force: true });
  });

  it("keeps each platform's cache apart (buildah 1.28 ignores the platform in its --layers lookup)", async () => {
    const scratch = makeRepo({ Dockerfile: 'FROM scratch\nARG TARGETARCH\nCOPY Dockerfile /\n' });
    const engine = createBuildahEngine({
      dir: join(work, 'apart'),
      access: { insecure: [registry.host], caDir: null },
    });
    const cache = { mode: 'min' as const, key: 'project-apart', clear: false };
    await engine.build(
      specFor(scratch, registry.host, { platforms: ['linux/amd64'], repository: 'team/apart', cache }),
      () => undefined,
    );
    const both = await engine.build(
      specFor(scratch, registry.host, { platforms: ['linux/amd64', 'linux/arm64'], repository: 'team/apart', cache }),
      () => undefined,
    );
    expect(cached(both)).toEqual(['linux/amd64 2/3', 'linux/arm64 0/3']);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('MAX: another agent with an empty store reuses an unchanged build from its record, and takes every step from the cache repository after a change, ARG steps and all', async () => {
    const withArgs = makeRepo({
      Dockerfile: `FROM ${base}\nARG TARGETARCH\nARG GREETING=hi\nRUN echo "$GREETING $TARGETARCH" > /g\nCOPY Dockerfile /src/\nRUN cat /g\n`,
    });
    const cache = { mode: 'max' as const, key: 'project-3', clear: false };
    const maxSpec = () =>
      specFor(withArgs, registry.host, { platforms: ['linux/amd64', 'linux/arm64'], repository: 'team/max', cache });
    const agent = (name: string) =>
      createBuildahEngine({ dir: join(work, `max-${name}`), access: { insecure: [registry.host], caDir: null } });
    const logOf = (events: BuildEvent[]) =>
      events.flatMap((e) => (e.type === 'log' ? [e.line] : e.type === 'preflight' ? [e.message] : []));

    const first = collect();
    const cold = await agent('a').build(maxSpec(), first.on);
    expect(cached(cold)).toEqual(['linux/amd64 0/6', 'linux/arm64 0/6']);
    expect(
      logOf(first.events).filter((l) =>
        /^Layer cache: [1-9]\d* new step images pushed to .*team\/max-cache-linux-(amd64|arm64)$/.test(l),
      ),
    ).toHaveLength(2);
    expect(logOf(first.events)).toContain(`Layer cache: build recorded in ${registry.host}/team/max-cache-builds`);

    const second = collect();
    const reused = await agent('b').build(maxSpec(), second.on);
    expect(second.events.filter((e) => e.type === 'step')).toEqual([]);
    expect(
      logOf(second.events).some((l) => l.startsWith(`Nothing changed since the build of ${cold.indexDigest}`)),
    ).toBe(true);
    expect(reused.indexDigest).toBe(cold.indexDigest);
    expect(readdirSync(join(work, 'max-b', 'fingerprints'))).toHaveLength(1); // remembered locally from now on

    writeFileSync(join(withArgs, 'notes.txt'), 'in the context, not copied\n');
    const third = collect();
    const warm = await agent('c').build(maxSpec(), third.on);
    expect(cached(warm)).toEqual(['linux/amd64 5/6', 'linux/arm64 5/6']);
    expect(logOf(third.events).some((l) => /^Layer cache: [1-9]\d* step images pulled from/.test(l))).toBe(true);
    expect(logOf(third.events).filter((l) => /^Layer cache: 0 new step images pushed/.test(l))).toHaveLength(2);
    expect(warm.indexDigest).toBe(cold.indexDigest);
    rmSync(withArgs, { recursive: true, force: true });
  });
});
