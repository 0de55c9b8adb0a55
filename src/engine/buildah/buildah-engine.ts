import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { BuildError } from '../../domain/errors.js';
import type { Platform } from '../../domain/platform.js';
import { runChild } from '../../process/child.js';
import {
  manifestAddArgv,
  manifestCreateArgv,
  manifestPushArgv,
  manifestInspectArgv,
  manifestRmArgv,
  pushArgv,
  rmiArgv,
  tagArgv,
  versionArgv,
} from './argv.js';
import { registryCommandFailure } from './failure.js';
import {
  killProcessesRootedIn,
  openImageStore,
  platformSlug,
  releaseImageStore,
  removeImageStore,
  type ImageStore,
} from './image-store.js';
import { fingerprintBuild } from './build-fingerprint.js';
import { createBuildMemo, type RememberedBuild } from './build-memo.js';
import { buildRecordRepository, fetchBuildRecord, publishBuildRecord, type RecordRepo } from './build-record-sync.js';
import { reusePushedIndex } from './index-reuse.js';
import { createImageStoreUsers } from './image-store-users.js';
import { LAST_BUILD } from './layer-cache-sync.js';
import type {
  BuildEvent,
  BuildResult,
  BuildSpec,
  Engine,
  PlatformResult,
  RegistryAccess,
  RegistryCredentials,
} from '../../app/ports/engine.js';
import { runPlatformUnit, type UnitResult } from './platform-unit.js';
import { preflight, type BaseImage } from './preflight.js';
import { prepareBuildRegistries, tlsFor, writeAuthFile } from './registry-access.js';
import { matchesPlatform, platformName, readImagePlatforms } from './registry-reader.js';
import { withDeadline } from '../deadline.js';

export interface BuildahEngineOptions {
  /** The engine's own directory (`<ARCHWAY_DATA_DIR>/engine`): per-build dirs and cache stores. */
  dir: string;
  access: RegistryAccess;
  /** Build units at once; default the number of cores (more adds little: engine-notes section 4). */
  parallel?: number;
}

/** Runs `tasks` with at most `limit` at once; the first failure aborts the rest through `abort`. */
async function pool<T>(
  items: readonly Platform[],
  limit: number,
  abort: () => void,
  task: (p: Platform) => Promise<T>,
): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  let failure = null as { error: unknown } | null;
  const worker = async () => {
    while (failure === null && next < items.length) {
      const item = items[next++] as Platform;
      try {
        results.push(await task(item));
      } catch (error) {
        if (failure === null) {
          failure = { error };
          abort();
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== null) throw failure.error;
  return results;
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

/**
 * Removes the build's own image names from persistent stores (a private store goes whole right after, so an
 * `rmi` there only cost time: ~0.2 s a platform). `rmi` of an image's last name also deletes its untagged
 * parents — the `--layers` cache of every step (seen: 0 of 5 steps hit after that) — so each platform's result
 * keeps a stable name first, and the build's name is only untagged.
 */
async function dropBuildImages(built: UnitResult[], env: NodeJS.ProcessEnv): Promise<void> {
  for (const b of built.filter((u) => u.store.persistent)) {
    await runChild(tagArgv(b.store, b.image, LAST_BUILD), { env });
    await runChild(rmiArgv(b.store, [b.image]), { env });
  }
}

/** The index is checked before the push too, so that a wrong one never reaches a tag (it is read back after). */
async function checkLocalIndex(
  spec: BuildSpec,
  store: ImageStore,
  list: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const r = await runChild(manifestInspectArgv(store, list), { env });
  const entries =
    (
      JSON.parse(r.stdout || '{}') as {
        manifests?: Array<{ platform?: { os?: string; architecture?: string; variant?: string } }>;
      }
    ).manifests ?? [];
  const have = entries.map((m) => ({
    os: m.platform?.os ?? '',
    architecture: m.platform?.architecture ?? '',
    variant: m.platform?.variant ?? '',
  }));
  if (have.length !== spec.platforms.length || spec.platforms.some((p) => !have.some((h) => matchesPlatform(h, p)))) {
    throw new BuildError(
      'VERIFY_FAILED',
      `The image index built for ${spec.platforms.join(', ')} holds ${have.map(platformName).join(', ') || 'nothing'}; nothing was pushed.`,
    );
  }
}

export function createBuildahEngine(opts: BuildahEngineOptions): Engine {
  const storeUsers = createImageStoreUsers(opts.dir);
  const memo = createBuildMemo(opts.dir);

  async function pushAndVerify(
    spec: BuildSpec,
    store: ImageStore,
    units: UnitResult[],
    io: {
      buildDir: string;
      env: NodeJS.ProcessEnv;
      authFile: string | null;
      signal: AbortSignal;
      onEvent: (e: BuildEvent) => void;
    },
  ) {
    const list = `localhost/archway-${randomBytes(6).toString('hex')}-list`;
    const run = async (argv: string[], what: string) => {
      const r = await runChild(argv, { env: io.env, signal: io.signal, dieWithParent: true });
      if (r.aborted) throw new BuildError('CANCELLED', 'The build was cancelled before the push finished.');
      if (r.code !== 0) throw registryCommandFailure(r.stderr, what);
    };
    await runChild(manifestRmArgv(store, list), { env: io.env });
    try {
      await run(manifestCreateArgv(store, list), 'Creating the image index');
      for (const u of units)
        await run(manifestAddArgv(store, list, u.store, u.image), `Adding ${u.platform} to the image index`);
      await checkLocalIndex(spec, store, list, io.env);
      const tls = tlsFor(spec.registry, opts.access);
      const references: string[] = [];
      let indexDigest = '';
      for (const tag of spec.tags) {
        const reference = `${spec.registry}/${spec.repository}:${tag}`;
        const digestFile = join(io.buildDir, 'digest');
        await run(
          manifestPushArgv(store, list, reference, { authFile: io.authFile, tls, digestFile }),
          `Pushing ${reference}`,
        );
        indexDigest = (await readFile(digestFile, 'utf8').catch(() => '')).trim();
        if (!indexDigest) {
          // buildah 1.28 `manifest push --all` exits 0 with an empty digest file when the registry refuses a blob
          // upload (seen with a 403 DENIED). A plain push of one image reports the registry's answer: use it.
          const probe = `${spec.registry}/${spec.repository}:archway-push-check-${randomBytes(4).toString('hex')}`;
          await run(
            pushArgv((units[0] as UnitResult).store, (units[0] as UnitResult).image, probe, {
              authFile: io.authFile,
              tls,
            }),
            `Pushing ${reference}`,
          );
          throw new BuildError(
            'ENGINE_FAILED',
            `Pushing ${reference} failed: buildah reported no digest for the image index (and a test push to ${probe} worked).`,
          );
        }
        references.push(reference);
        io.onEvent({ type: 'pushed', reference, digest: indexDigest });
      }
      return { references, indexDigest };
    } finally {
      await runChild(manifestRmArgv(store, list), { env: io.env });
    }
  }

  async function verify(
    spec: BuildSpec,
    digest: string,
    authFile: string | null,
    signal: AbortSignal,
  ): Promise<Map<Platform, string>> {
    const reference = `${spec.registry}/${spec.repository}@${digest}`;
    const read = await readImagePlatforms(reference, { authFile, tls: tlsFor(spec.registry, opts.access), signal });
    const missing = spec.platforms.filter((p) => !read.platforms.some((o) => matchesPlatform(o, p)));
    const got = read.platforms.map(platformName).join(', ') || 'none';
    if (!read.isIndex || missing.length > 0 || read.platforms.length !== spec.platforms.length) {
      throw new BuildError(
        'VERIFY_FAILED',
        `The pushed image index ${reference} does not hold exactly the requested platforms (requested: ${spec.platforms.join(', ')}; it has: ${got}).`,
      );
    }
    return new Map(spec.platforms.map((p) => [p, read.platforms.find((o) => matchesPlatform(o, p))?.digest ?? '']));
  }

  /**
   * A build with a cache whose fingerprint is that of one already pushed to this repository (remembered by this
   * agent, or for MAX recorded in the registry) is not built again: its index is verified and tagged. Returns the
   * fingerprint (null when the build has none) and the result when the build was reused.
   */
  async function reuseIfUnchanged(
    spec: BuildSpec,
    key: string,
    checked: { dockerfileText: string; bases: BaseImage[] },
    o: {
      records: RecordRepo | null;
      authFile: string | null;
      buildDir: string;
      signal: AbortSignal;
      onEvent: (e: BuildEvent) => void;
      started: number;
    },
  ): Promise<{ fingerprint: string | null; result: BuildResult | null }> {
    const say = (message: string) => o.onEvent({ type: 'preflight', message });
    if (spec.cache.clear) await memo.forget(key);
    // Asked every build (32 ms), so that a buildah upgraded under a running agent is noticed.
    const version = await runChild(versionArgv(), { signal: o.signal });
    if (version.aborted) throw new BuildError('CANCELLED', 'The build was cancelled before it started.');
    if (version.code !== 0)
      throw new BuildError(
        'ENGINE_FAILED',
        `\`buildah --version\` failed: ${version.stderr.trim() || `exit ${version.code}`}`,
      );
    const fingerprint = await fingerprintBuild(spec, checked.dockerfileText, checked.bases, version.stdout.trim());
    if (fingerprint.value === null) {
      say(`Built step by step (no build fingerprint: ${fingerprint.why})`);
      return { fingerprint: null, result: null };
    }
    if (spec.cache.clear) return { fingerprint: fingerprint.value, result: null };
    const local = await memo.recall(key, fingerprint.value, spec.registry, spec.repository);
    const remembered = local ?? (o.records ? await recordFrom(o.records, spec, fingerprint.value, say) : undefined);
    if (!remembered) return { fingerprint: fingerprint.value, result: null };
    say(
      `Nothing changed since the build of ${remembered.indexDigest} (same Dockerfile, context, build args, secret and base images): reusing it`,
    );
    const result = await reusePushedIndex(spec, remembered, {
      authFile: o.authFile,
      tls: tlsFor(spec.registry, opts.access),
      signal: o.signal,
      onEvent: o.onEvent,
      started: o.started,
      verify: (digest) => verify(spec, digest, o.authFile, o.signal),
    });
    if (!result)
      say(
        `The image index ${remembered.indexDigest} is no longer in ${spec.registry}/${spec.repository}: building it again`,
      );
    // Known from the registry's record only: remember it here too, so the next build needs no registry read.
    else if (!local) await memo.remember(key, { ...remembered, recorded: true }).catch(() => undefined);
    // Remembered here but not recorded there (built under MIN, or the record's push failed): another agent
    // would build it again, so record it now.
    else if (o.records && !local.recorded && (await publishRecord(local, o.records, o.buildDir, o.onEvent))) {
      await memo.remember(key, { ...local, recorded: true }).catch(() => undefined);
    }
    return { fingerprint: fingerprint.value, result };
  }

  /**
   * The registry's record of a fingerprint, best effort like the layer cache import: a registry that refuses
   * to read a repository that does not exist yet (Docker Hub says "denied") or answers 429 means "no record".
   */
  async function recordFrom(
    records: RecordRepo,
    spec: BuildSpec,
    fingerprint: string,
    say: (m: string) => void,
  ): Promise<RememberedBuild | undefined> {
    try {
      return await fetchBuildRecord(spec.registry, spec.repository, fingerprint, records);
    } catch (error) {
      if (error instanceof BuildError && error.reason === 'CANCELLED') throw error;
      say(`Layer cache: no build record read from ${records.repository} (${(error as Error).message})`);
      return undefined;
    }
  }

  /** For MAX: pushes the build's record to the registry; true when it is there now (a failure is a warning). */
  function publishRecord(
    build: RememberedBuild,
    records: RecordRepo,
    buildDir: string,
    onEvent: (e: BuildEvent) => void,
  ): Promise<boolean> {
    const where = records.repository;
    const log = (line: string) => onEvent({ type: 'log', platform: null, line });
    return publishBuildRecord(build, records, buildDir).then(
      () => (log(`Layer cache: build recorded in ${where}`), true),
      (e: unknown) => (log(`Warning: the build could not be recorded in ${where}: ${(e as Error).message}`), false),
    );
  }

  /** Remembers a pushed build by its fingerprint on this agent, and for MAX in the registry. */
  async function remember(
    spec: BuildSpec,
    key: string,
    fingerprint: string,
    indexDigest: string,
    platforms: readonly PlatformResult[],
    o: { records: RecordRepo | null; buildDir: string; onEvent: (e: BuildEvent) => void },
  ): Promise<void> {
    const build = {
      fingerprint,
      registry: spec.registry,
      repository: spec.repository,
      indexDigest,
      platforms: platforms.map((p) => ({ platform: p.platform, emulated: p.emulated, totalSteps: p.totalSteps })),
    };
    const recorded = o.records ? await publishRecord(build, o.records, o.buildDir, o.onEvent) : false;
    await memo.remember(key, { ...build, recorded }).catch(() => undefined); // an optimisation: the next build then goes step by step
  }

  async function build(spec: BuildSpec, onEvent: (e: BuildEvent) => void): Promise<BuildResult> {
    const started = Date.now();
    const id = randomBytes(6).toString('hex');
    const buildDir = join(opts.dir, 'builds', id);
    await mkdir(join(buildDir, 'tmp'), { recursive: true, mode: 0o700 });
    const { signal, stop, reasonOf } = withDeadline(spec.signal, spec.timeoutMs);
    let stores: Map<Platform, ImageStore> | null = null;
    try {
      const creds = new Map<string, RegistryCredentials>(spec.pullCredentials ?? []);
      if (spec.credentials) creds.set(spec.registry, spec.credentials);
      const authFile = creds.size > 0 ? join(buildDir, 'auth.json') : null;
      if (authFile) await writeAuthFile(authFile, creds);
      const say = (message: string) => onEvent({ type: 'preflight', message });
      const checked = await preflight(
        { ...spec, signal },
        { access: opts.access, authFile, loginAuthFile: join(buildDir, 'login.json'), log: say },
      );
      const key = spec.cache.mode === 'none' ? null : (spec.cache.key ?? 'default');
      const records: RecordRepo | null =
        spec.cache.mode === 'max'
          ? {
              repository: buildRecordRepository(spec.registry, spec.repository),
              authFile,
              tls: tlsFor(spec.registry, opts.access),
              signal,
            }
          : null;
      const known =
        key === null
          ? null
          : await reuseIfUnchanged(spec, key, checked, { records, authFile, buildDir, signal, onEvent, started });
      if (known?.result) return known.result;
      const registries = await prepareBuildRegistries(join(buildDir, 'registries'), opts.access);
      const env = childEnv(join(buildDir, 'tmp'), registries.env);
      const own = (stores = await storeUsers.acquire(buildDir, key, spec.cache.clear, spec.platforms));
      const units = new AbortController();
      const unitSignal = AbortSignal.any([signal, units.signal]);
      // Every unit that finished, also when another one failed: their build names are dropped at the end.
      const finished: UnitResult[] = [];
      try {
        const built = await pool(
          spec.platforms,
          opts.parallel ?? availableParallelism(),
          () => units.abort(),
          (platform) =>
            runPlatformUnit(
              {
                store: own.get(platform) as ImageStore,
                platform,
                contextDir: spec.contextDir,
                dockerfile: spec.dockerfile,
                targetStage: spec.targetStage,
                image: `localhost/archway-${id}-${platformSlug(platform)}`,
                buildArgs: spec.buildArgs,
                secret: spec.secret,
                authFile,
                certDir: registries.certDir,
                layers: key !== null,
                cacheRepo:
                  spec.cache.mode === 'max'
                    ? {
                        repository: `${spec.registry}/${spec.repository}-cache-${platformSlug(platform)}`,
                        authFile,
                        tls: tlsFor(spec.registry, opts.access),
                      }
                    : null,
              },
              { env, signal: unitSignal, onEvent },
            ).then((unit) => (finished.push(unit), unit)),
        ).then((units) =>
          units.sort((a, b) => spec.platforms.indexOf(a.platform) - spec.platforms.indexOf(b.platform)),
        );
        // Index entries in the requested order (not completion order), so an unchanged rebuild has the same digest.
        if (spec.freshCredentials && authFile) {
          creds.set(spec.registry, await spec.freshCredentials());
          await writeAuthFile(authFile, creds);
        }
        const listStore = await openImageStore(join(buildDir, 'list-store'), false);
        const pushed = await pushAndVerify(spec, listStore, built, { buildDir, env, authFile, signal, onEvent });
        const digests = await verify(spec, pushed.indexDigest, authFile, signal);
        onEvent({ type: 'verified', digest: pushed.indexDigest, platforms: [...spec.platforms] });
        const platforms: PlatformResult[] = spec.platforms.map((p) => {
          const u = built.find((b) => b.platform === p) as UnitResult;
          const r = {
            platform: p,
            digest: digests.get(p) ?? '',
            emulated: u.emulated,
            durationMs: u.durationMs,
            cachedSteps: u.cachedSteps,
            totalSteps: u.totalSteps,
          };
          onEvent({ type: 'platform-finished', ...r });
          return r;
        });
        if (key !== null && known?.fingerprint)
          await remember(spec, key, known.fingerprint, pushed.indexDigest, platforms, { records, buildDir, onEvent });
        return {
          indexDigest: pushed.indexDigest,
          references: pushed.references,
          platforms,
          durationMs: Date.now() - started,
        };
      } finally {
        await dropBuildImages(finished, env);
      }
    } catch (error) {
      throw reasonOf(error);
    } finally {
      stop();
      if (stores) await storeUsers.release(stores.values()).catch(() => undefined);
      await removeImageStore(join(buildDir, 'list-store')).catch(() => undefined);
      await rm(buildDir, { recursive: true, force: true });
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

  return { build, cleanup };
}
