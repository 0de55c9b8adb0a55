import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildError } from '../../domain/errors.js';
import { platformParts, type Platform } from '../../domain/platform.js';
import { runChild } from '../../process/child.js';
import type { BuildSpec } from '../../app/ports/engine.js';
import {
  pinnedPlatform,
  pinnedStagesFile,
  rewriteForTarget,
  type PinnedPlan,
  type PinnedStage,
} from '../pinned-stages.js';
import { buildArgv, copyBetweenStoresArgv, imageExistsArgv, imageNamesArgv, rmiArgv } from './argv.js';
import { buildFailure, type FailureContext } from './failure.js';
import { cacheDir, platformSlug, type ImageStore } from './image-store.js';
import type { ImageStoreUsers } from './image-store-users.js';
import { isNoise, lastErrorLine, parseStepLine } from './output.js';
import { must, relabelImage } from './platform-unit.js';

/** Pinned-stage images kept in a cache key's store: those of the newest 4 inputs (commits, mostly) built. */
const KEPT_KEYS = 4;

/** What one build gives its pinned stages: the inputs of `buildah build` and where to say things. */
export interface PinnedStagesIo {
  spec: BuildSpec;
  plan: PinnedPlan;
  dockerfileText: string;
  /** The platform of the machine the agent runs on: what `$BUILDPLATFORM` means. */
  host: Platform;
  buildId: string;
  buildDir: string;
  /** The cache key; null without a cache (the stages are then built in a store of the build's own). */
  key: string | null;
  /**
   * A digest of everything a pinned-stage build reads (the build fingerprint of its own Dockerfile, for its
   * platform); null when there is none (a remote ADD, a huge context): its images are then the build's alone.
   */
  fingerprint: (stagesFile: string, platform: Platform) => Promise<string | null>;
  env: NodeJS.ProcessEnv;
  certDir: string | null;
  authFile: string | null;
  layers: boolean;
  signal: AbortSignal;
}

/** One build's pinned stages: the Dockerfile each target builds, and the clean-up after the build. */
export interface PinnedStagesOfBuild {
  /** Builds (or finds) the pinned stages `platform` needs, copies them into its store, returns its Dockerfile. */
  dockerfileFor(platform: Platform, unitStore: ImageStore, say: (line: string) => void): Promise<string>;
  done(): Promise<void>;
}

function targetArgs(target: Platform): Array<[string, string]> {
  const { os, arch, variant } = platformParts(target);
  return [
    ['TARGETPLATFORM', target],
    ['TARGETOS', os],
    ['TARGETARCH', arch],
    ['TARGETVARIANT', variant],
  ];
}

/**
 * The pinned stages of the builds of one engine (`pinned-stages.ts` says what they are and why). Each group of
 * stages pinned to one platform is built once per build, in a store of its own, for that platform, with
 * `--target` its stage a target stage reads; when a stage declares a TARGET* arg, once per target platform
 * (with that target's values, as BuildKit does). Then, for each target: relabelled with the target's platform
 * (buildah 1.28 refuses a `FROM` of a local image of another platform and goes to pull it; measured, the
 * relabelled image is used, and the target's own stages still build for the target), copied into the target's
 * store, and named in the target's Dockerfile in place of the stage. With a cache key the store is the key's
 * and its images are named by a fingerprint of their inputs, so a fanned-out build's platforms that land on one
 * agent share them too. Concurrent needs of one image wait for the one build of it (in-process: one engine per
 * data dir).
 */
export function createPinnedStageBuilds(engineDir: string, storeUsers: ImageStoreUsers) {
  const inFlight = new Map<string, Promise<boolean>>();

  /** `make` once per store and image, unless the image is there already; false when it was there. */
  function once(store: ImageStore, image: string, env: NodeJS.ProcessEnv, make: () => Promise<void>) {
    const id = `${store.dir}\0${image}`;
    const running = inFlight.get(id);
    if (running) return running.then(() => false);
    const job = (async () => {
      if ((await runChild(imageExistsArgv(store, image), { env })).code === 0) return false;
      await make();
      return true;
    })().finally(() => inFlight.delete(id));
    inFlight.set(id, job);
    return job;
  }

  /** Keeps the images of the newest KEPT_KEYS repositories used in a shared store, and removes the others. */
  async function rememberKey(store: ImageStore, key: string, env: NodeJS.ProcessEnv): Promise<void> {
    const file = join(store.dir, 'recent-keys.json');
    const recent = JSON.parse(await readFile(file, 'utf8').catch(() => '[]')) as string[];
    const kept = [key, ...recent.filter((k) => k !== key)];
    await writeFile(file, JSON.stringify(kept.slice(0, KEPT_KEYS)));
    for (const old of kept.slice(KEPT_KEYS)) {
      const list = await runChild(imageNamesArgv(store), { env });
      const names = list.stdout.split('\n').filter((n) => n.startsWith(`${old}:`));
      if (names.length > 0) await runChild(rmiArgv(store, names), { env });
    }
  }

  async function forBuild(io: PinnedStagesIo): Promise<PinnedStagesOfBuild> {
    const platformOf = (s: PinnedStage): Platform => pinnedPlatform(s.platform, io.host);
    // A cache key's store is shared between builds, so its images are named by what they are built from; a group
    // without a fingerprint (a remote ADD, a huge context) makes the whole build use a store of its own.
    const repositories = new Map<Platform | 'build', string>();
    for (const group of new Set(io.plan.stages.map((s) => s.platform))) {
      const platform = pinnedPlatform(group, io.host);
      const fingerprint =
        io.key === null ? null : await io.fingerprint(pinnedStagesFile(io.dockerfileText, io.plan, group), platform);
      const id = createHash('sha256')
        .update(JSON.stringify([fingerprint ?? io.buildId, platform]))
        .digest('hex')
        .slice(0, 24);
      repositories.set(group, fingerprint === null ? '' : `localhost/archway-stage-${id}`);
    }
    const shared = io.key !== null && ![...repositories.values()].includes('');
    if (!shared) for (const p of repositories.keys()) repositories.set(p, `localhost/archway-stage-${io.buildId}`);
    const store = await storeUsers.acquireOne(
      shared ? join(cacheDir(engineDir, io.key as string), 'pinned-stages') : join(io.buildDir, 'stores', 'pinned'),
      shared,
    );
    // Pruning is best effort: a store that cannot be listed costs disk, not this build.
    if (shared) for (const r of repositories.values()) await rememberKey(store, r, io.env).catch(() => undefined);
    const copies: Array<{ store: ImageStore; image: string }> = [];
    await mkdir(join(io.buildDir, 'pinned'), { recursive: true }); // the Dockerfiles this build writes

    /** The image of a stage built for `target` (a TARGET*-reading stage has one per target). */
    const builtImage = (stage: PinnedStage, target: Platform) =>
      `${repositories.get(stage.platform) as string}:${stage.name}${io.plan.readsTarget ? `-for-${platformSlug(target)}` : ''}`;

    async function buildStage(
      stage: PinnedStage,
      image: string,
      target: Platform,
      say: (line: string) => void,
    ): Promise<void> {
      const platform = platformOf(stage);
      const group = stage.platform;
      const file = join(io.buildDir, 'pinned', `Dockerfile.stages-${platformSlug(platform)}-${platformSlug(target)}`);
      await writeFile(file, pinnedStagesFile(io.dockerfileText, io.plan, group));
      const argv = buildArgv({
        store,
        platform,
        contextDir: io.spec.contextDir,
        dockerfile: file,
        image,
        targetStage: stage.name,
        buildArgs: [...io.spec.buildArgs, ...(io.plan.readsTarget ? targetArgs(target) : [])],
        secret: io.spec.secret,
        authFile: io.authFile,
        certDir: io.certDir,
        layers: io.layers || shared,
      });
      const how = platform === io.host ? 'native' : 'emulated with QEMU';
      say(
        `Stage ${stage.name} (FROM --platform=${group === 'build' ? '$BUILDPLATFORM' : group}) is built on its own for ${platform} (${how})${io.plan.readsTarget ? `, with the TARGET* args of ${target}` : ''}`,
      );
      const ctx: FailureContext = { platform: target, lastStep: null, contextDir: io.spec.contextDir };
      const onLine = (line: string) => {
        if (isNoise(line)) return;
        const step = parseStepLine(line);
        if (step) ctx.lastStep = step;
        say(line);
      };
      const started = Date.now();
      const r = await runChild(argv, {
        env: io.env,
        signal: io.signal,
        dieWithParent: true,
        onStdout: onLine,
        onStderr: onLine,
      });
      if (r.aborted) throw new BuildError('CANCELLED', `The build of stage ${stage.name} was stopped.`);
      if (r.code !== 0) throw buildFailure(r.code, lastErrorLine(r.stderr), ctx);
      say(`Stage ${stage.name} built for ${platform} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }

    /**
     * The stage's image labelled with `target`'s platform: buildah 1.28 looks a FROM up by platform, and reads the
     * variant only from a Docker-format config (an OCI one is seen as plain `arm`, which matches v7 and never v6).
     */
    async function relabelled(stage: PinnedStage, built: string, target: Platform): Promise<string> {
      if (platformOf(stage) === target) return built;
      const image = `${built}-as-${platformSlug(target)}`;
      await once(store, image, io.env, () =>
        relabelImage(store, built, image, target, { env: io.env, what: 'Labelling a pinned stage', format: 'docker' }),
      );
      return image;
    }

    async function dockerfileFor(target: Platform, unitStore: ImageStore, say: (line: string) => void) {
      const images = new Map<number, string>();
      for (const stage of io.plan.stages.filter((s) => s.exit)) {
        const built = builtImage(stage, target);
        const fresh = await once(store, built, io.env, () => buildStage(stage, built, target, say));
        if (!fresh)
          say(`Stage ${stage.name}: its ${platformOf(stage)} build is reused (built on this agent for these inputs)`);
        const image = await relabelled(stage, built, target);
        // A name of this build's own in the target's store (builds with the same cache key share it): the `rmi --force`
        // after the build then drops only this name while another build's copy of the same image is in use.
        const copy = image.replace(/:/, `-${io.buildId}:`);
        await must(copyBetweenStoresArgv(store, image, unitStore, copy), io.env, 'Handing a pinned stage to the build');
        copies.push({ store: unitStore, image: copy });
        images.set(stage.index, copy);
      }
      const file = join(io.buildDir, 'pinned', `Dockerfile.target-${platformSlug(target)}`);
      await writeFile(
        file,
        rewriteForTarget(io.dockerfileText, io.plan, (s) => images.get(s.index) as string),
      );
      return file;
    }

    async function done(): Promise<void> {
      for (const c of copies.filter((c) => c.store.persistent))
        await runChild(rmiArgv(c.store, [c.image]), { env: io.env }).catch(() => undefined);
      await storeUsers.release([store]).catch(() => undefined);
    }

    return { dockerfileFor, done };
  }

  return { forBuild };
}
