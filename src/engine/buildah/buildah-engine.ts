import { platformResultOf } from '../../domain/platform-image.js';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { BuildError } from '../../domain/errors.js';
import type { Platform } from '../../domain/platform.js';
import type {
  BuildEvent,
  BuildResult,
  BuildSpec,
  Engine,
  PlatformImage,
  PlatformResult,
  RegistryAccess,
  RegistryCredentials,
} from '../../app/ports/engine.js';
import { withDeadline } from '../deadline.js';
import type { RecordRepo } from './build-record-sync.js';
import { dropBuildImages, runBuildUnits, type UnitsIo } from './build-units.js';
import {
  killProcessesRootedIn,
  openImageStore,
  releaseImageStore,
  removeImageStore,
  type ImageStore,
} from './image-store.js';
import { createImageStoreUsers } from './image-store-users.js';
import { pushPlatformByDigest } from './digest-push.js';
import { pushIndexOfImages } from './index-assembly.js';
import { pushImageIndex, verifyPushedIndex, type IndexIo, type PushedPlatform } from './index-push.js';
import { preflight } from './preflight.js';
import { prepareBuildRegistries, tlsFor, writeAuthFile } from './registry-access.js';
import { readManifest } from './registry-reader.js';
import { buildahVersion, createUnchangedBuilds, recordRepoFor } from './unchanged-build.js';
import { fingerprintBuild } from './build-fingerprint.js';
import { createPinnedStageBuilds } from './pinned-stage-builds.js';
import { hostPlatform, type UnitResult } from './platform-unit.js';

export interface BuildahEngineOptions {
  /** The engine's own directory (`<ARCHWAY_DATA_DIR>/engine`): per-build dirs and cache stores. */
  dir: string;
  access: RegistryAccess;
  /** Build units at once; default the number of cores (more adds little: engine-notes section 4). */
  parallel?: number;
}

/** The environment of every engine child: nothing of the server's own (its keys and tokens stay out). */
function childEnv(tmp: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: process.env.HOME ?? '/root',
    LANG: 'C.UTF-8',
    TMPDIR: tmp,
    ...extra,
  };
}

/** One build under way: its spec, its own directory and signal, and its registry credentials (in `authFile`). */
interface BuildRun {
  spec: BuildSpec;
  onEvent: (e: BuildEvent) => void;
  id: string;
  buildDir: string;
  started: number;
  signal: AbortSignal;
  creds: Map<string, RegistryCredentials>;
  authFile: string | null;
  /** The cache key; null without a cache. */
  key: string | null;
  /** For MAX: where the build records live in the registry. */
  records: RecordRepo | null;
}

/** Right before the push the target's credentials are asked for again: a token may have expired meanwhile. */
async function refreshCredentials(run: BuildRun): Promise<void> {
  if (!run.spec.freshCredentials || !run.authFile) return;
  run.creds.set(run.spec.registry, await run.spec.freshCredentials());
  await writeAuthFile(run.authFile, run.creds);
}

/** The per-platform results in the requested order, each one also told as a `platform-finished` event. */
function platformResults(run: BuildRun, built: UnitResult[], pushed: Map<Platform, PushedPlatform>): PlatformResult[] {
  return run.spec.platforms.map((p) => {
    const u = built.find((b) => b.platform === p) as UnitResult;
    const r = {
      platform: p,
      digest: pushed.get(p)?.digest ?? '',
      sizeBytes: pushed.get(p)?.sizeBytes ?? null,
      emulated: u.emulated,
      durationMs: u.durationMs,
      cachedSteps: u.cachedSteps,
      totalSteps: u.totalSteps,
    };
    run.onEvent({ type: 'platform-finished', ...r });
    return r;
  });
}

export function createBuildahEngine(opts: BuildahEngineOptions): Engine {
  const storeUsers = createImageStoreUsers(opts.dir);
  const unchanged = createUnchangedBuilds(opts.dir, opts.access);
  const pinnedStages = createPinnedStageBuilds(opts.dir, storeUsers);

  /** One build from pre-flight to verified push; whatever happens, its stores are released and its dir removed. */
  function build(spec: BuildSpec, onEvent: (e: BuildEvent) => void): Promise<BuildResult> {
    return inBuildDir(spec, onEvent, (base, held) => runBuild(base, held, 'index'));
  }

  /** One platform from pre-flight to its image pushed by digest (a platform job). */
  async function buildPlatform(spec: BuildSpec, onEvent: (e: BuildEvent) => void): Promise<PlatformImage> {
    if (spec.platforms.length !== 1)
      throw new BuildError('ENGINE_FAILED', `buildPlatform builds one platform, not ${spec.platforms.length}.`);
    return inBuildDir(spec, onEvent, (base, held) => runBuild(base, held, 'platform'));
  }

  /** The index of platform images pushed earlier, under every tag, verified (the index job: no build). */
  function assembleIndex(
    spec: BuildSpec,
    images: readonly PlatformImage[],
    onEvent: (e: BuildEvent) => void,
  ): Promise<BuildResult> {
    return inBuildDir(spec, onEvent, async (base) => {
      const creds = new Map<string, RegistryCredentials>();
      const fresh = spec.freshCredentials ? await spec.freshCredentials() : spec.credentials;
      if (fresh) creds.set(spec.registry, fresh);
      const authFile = creds.size > 0 ? join(base.buildDir, 'auth.json') : null;
      if (authFile) await writeAuthFile(authFile, creds);
      const io = { ...base, authFile, env: childEnv(join(base.buildDir, 'tmp'), {}), access: opts.access };
      const pushed = await pushIndexOfImages(spec, images, io);
      const verified = await verifyPushedIndex(spec, pushed.indexDigest, io);
      onEvent({ type: 'verified', digest: pushed.indexDigest, platforms: [...spec.platforms] });
      const platforms = spec.platforms.map((p) => {
        const image = platformResultOf(images.find((i) => i.platform === p) as PlatformImage);
        const r = { ...image, sizeBytes: verified.get(p)?.sizeBytes ?? image.sizeBytes };
        onEvent({ type: 'platform-finished', ...r });
        return r;
      });
      return { ...pushed, platforms, durationMs: Date.now() - base.started };
    });
  }

  /** Runs `work` in a build dir of its own under the spec's deadline; its stores and dir go away whatever happens. */
  async function inBuildDir<T>(
    spec: BuildSpec,
    onEvent: (e: BuildEvent) => void,
    work: (
      base: Pick<BuildRun, 'spec' | 'onEvent' | 'id' | 'buildDir' | 'started' | 'signal'>,
      held: { stores: Map<Platform, ImageStore> | null },
    ) => Promise<T>,
  ): Promise<T> {
    const started = Date.now();
    const id = randomBytes(6).toString('hex');
    const buildDir = join(opts.dir, 'builds', id);
    await mkdir(join(buildDir, 'tmp'), { recursive: true, mode: 0o700 });
    const { signal, stop, reasonOf } = withDeadline(spec.signal, spec.timeoutMs);
    const held: { stores: Map<Platform, ImageStore> | null } = { stores: null };
    try {
      return await work({ spec, onEvent, id, buildDir, started, signal }, held);
    } catch (error) {
      throw reasonOf(error);
    } finally {
      stop();
      if (held.stores) await storeUsers.release(held.stores.values()).catch(() => undefined);
      await removeImageStore(join(buildDir, 'list-store')).catch(() => undefined);
      await rm(buildDir, { recursive: true, force: true });
    }
  }

  /**
   * Pre-flight, then an unchanged build's reuse, or the units and their index (`held` gets the stores taken);
   * for one platform of a fanned-out build, the reuse of that platform's unchanged image, or its unit and its
   * image pushed by digest.
   */
  async function runBuild(
    base: Pick<BuildRun, 'spec' | 'onEvent' | 'id' | 'buildDir' | 'started' | 'signal'>,
    held: { stores: Map<Platform, ImageStore> | null },
    output: 'index',
  ): Promise<BuildResult>;
  async function runBuild(
    base: Pick<BuildRun, 'spec' | 'onEvent' | 'id' | 'buildDir' | 'started' | 'signal'>,
    held: { stores: Map<Platform, ImageStore> | null },
    output: 'platform',
  ): Promise<PlatformImage>;
  async function runBuild(
    base: Pick<BuildRun, 'spec' | 'onEvent' | 'id' | 'buildDir' | 'started' | 'signal'>,
    held: { stores: Map<Platform, ImageStore> | null },
    output: 'index' | 'platform',
  ): Promise<BuildResult | PlatformImage> {
    const { spec, buildDir, signal } = base;
    const creds = new Map<string, RegistryCredentials>(spec.pullCredentials ?? []);
    if (spec.credentials) creds.set(spec.registry, spec.credentials);
    const authFile = creds.size > 0 ? join(buildDir, 'auth.json') : null;
    if (authFile) await writeAuthFile(authFile, creds);
    const say = (message: string) => base.onEvent({ type: 'preflight', message });
    const checked = await preflight(
      { ...spec, signal },
      { access: opts.access, authFile, loginAuthFile: join(buildDir, 'login.json'), log: say },
    );
    const key = spec.cache.mode === 'none' ? null : (spec.cache.key ?? 'default');
    const records = recordRepoFor(spec, authFile, signal, opts.access);
    const run: BuildRun = { ...base, creds, authFile, key, records };
    const known =
      key === null || output === 'platform' ? null : await unchanged.reuseIfUnchanged(spec, key, checked, run);
    if (known?.result) return known.result;
    const tls = tlsFor(spec.registry, opts.access);
    const inRegistry = async (digest: string) =>
      (await readManifest(`${spec.registry}/${spec.repository}@${digest}`, { authFile, tls, signal })) !== null;
    const knownPart =
      key === null || output !== 'platform'
        ? null
        : await unchanged.reusePlatformIfUnchanged(spec, key, checked, { ...run, verify: inRegistry });
    if (knownPart?.image) return knownPart.image;
    const registries = await prepareBuildRegistries(join(buildDir, 'registries'), opts.access);
    const env = childEnv(join(buildDir, 'tmp'), registries.env);
    const stores = (held.stores = await storeUsers.acquire(buildDir, key, spec.cache.clear, spec.platforms));
    const units: UnitsIo = {
      id: run.id,
      stores,
      env,
      certDir: registries.certDir,
      authFile,
      layers: key !== null,
      signal,
      onEvent: run.onEvent,
      access: opts.access,
      parallel: opts.parallel ?? availableParallelism(),
      pinned: null,
    };
    const host = hostPlatform();
    if (checked.pinned.plan && host) {
      const bases = checked.bases;
      units.pinned = await pinnedStages.forBuild({
        spec,
        plan: checked.pinned.plan,
        dockerfileText: checked.dockerfileText,
        host,
        buildId: run.id,
        buildDir,
        key,
        // The build fingerprint of the stages' own Dockerfile for their platform: the context is hashed once more
        // (at most ~0.3 s, its bound) and a secret costs one more scrypt (~0.1 s), only for builds with such stages.
        fingerprint: async (stagesFile, platform) => {
          const engineVersion = await buildahVersion(signal);
          const stagesSpec = { ...spec, platforms: [platform], targetStage: null };
          return (await fingerprintBuild(stagesSpec, stagesFile, bases, engineVersion)).value;
        },
        env,
        certDir: registries.certDir,
        authFile,
        layers: key !== null,
        signal,
      });
    }
    try {
      if (output === 'index') return await buildAndPush(run, units, known?.fingerprint ?? null);
      const image = await buildAndPushPlatform(run, units);
      if (key !== null && knownPart?.fingerprint)
        await unchanged.rememberPlatform(spec, key, knownPart.fingerprint, image);
      return image;
    } finally {
      await units.pinned?.done();
    }
  }

  /** The one unit, then its image pushed by digest; its build image is dropped after. */
  async function buildAndPushPlatform(run: BuildRun, units: UnitsIo): Promise<PlatformImage> {
    const finished: UnitResult[] = [];
    try {
      const [unit] = (await runBuildUnits(run.spec, units, finished)) as [UnitResult];
      await refreshCredentials(run);
      const pushed = await pushPlatformByDigest(run.spec, unit, { ...run, env: units.env, access: opts.access });
      const { platform, emulated, durationMs, cachedSteps, totalSteps } = unit;
      const result = { platform, emulated, durationMs, cachedSteps, totalSteps, ...pushed };
      run.onEvent({ type: 'platform-finished', ...platformResultOf(result) });
      return result;
    } finally {
      await dropBuildImages(finished, units.env);
    }
  }

  /** The units, then their index: pushed, verified and remembered; the units' build images are dropped after. */
  async function buildAndPush(run: BuildRun, units: UnitsIo, fingerprint: string | null): Promise<BuildResult> {
    const { spec } = run;
    // Every unit that finished, also when another one failed: their build names are dropped at the end.
    const finished: UnitResult[] = [];
    try {
      const built = await runBuildUnits(spec, units, finished);
      await refreshCredentials(run);
      const listStore = await openImageStore(join(run.buildDir, 'list-store'), false);
      const io: IndexIo = { ...run, env: units.env, access: opts.access };
      const pushed = await pushImageIndex(spec, listStore, built, io);
      const digests = await verifyPushedIndex(spec, pushed.indexDigest, io);
      run.onEvent({ type: 'verified', digest: pushed.indexDigest, platforms: [...spec.platforms] });
      const platforms = platformResults(run, built, digests);
      if (run.key !== null && fingerprint)
        await unchanged.remember(spec, run.key, fingerprint, pushed.indexDigest, platforms, run);
      return {
        indexDigest: pushed.indexDigest,
        references: pushed.references,
        platforms,
        durationMs: Date.now() - run.started,
      };
    } finally {
      await dropBuildImages(finished, units.env);
    }
  }

  /** Build dirs left by a process that died (kill -9, power loss): processes, stores, mounts, auth files. */
  async function cleanup(): Promise<void> {
    await killProcessesRootedIn(opts.dir);
    const builds = join(opts.dir, 'builds');
    for (const id of await readdir(builds).catch(() => [] as string[])) {
      for (const slug of await readdir(join(builds, id, 'stores')).catch(() => [] as string[]))
        await removeImageStore(join(builds, id, 'stores', slug));
      await removeImageStore(join(builds, id, 'list-store'));
      await rm(join(builds, id), { recursive: true, force: true });
    }
    for (const key of await readdir(join(opts.dir, 'cache')).catch(() => [] as string[])) {
      for (const slug of await readdir(join(opts.dir, 'cache', key)).catch(() => [] as string[])) {
        await releaseImageStore(await openImageStore(join(opts.dir, 'cache', key, slug), true));
      }
    }
  }

  return { build, buildPlatform, assembleIndex, cleanup };
}
