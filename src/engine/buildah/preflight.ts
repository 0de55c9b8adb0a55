import { readFile, realpath, stat } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { BuildError } from '../../domain/errors.js';
import type { Platform } from '../../domain/platform.js';
import { DockerfileSyntaxError, parseStages, stagesNeeded, type Stage } from '../dockerfile.js';
import type { BuildSpec, RegistryAccess } from '../../app/ports/engine.js';
import {
  checkLogin,
  checkReachable,
  ImageNotFound,
  matchesPlatform,
  platformName,
  readImagePlatforms,
} from './registry-reader.js';
import { tlsFor } from './registry-access.js';
import { pinnedPlatform, planPinnedStages, type PinnedStages } from '../pinned-stages.js';
import { hostPlatform } from './platform-unit.js';

/** The host part of an image reference, as containers/image decides it (docker.io for short names). */
export function qualifyImage(reference: string): { host: string; full: string } {
  const slash = reference.indexOf('/');
  const first = slash < 0 ? '' : reference.slice(0, slash);
  const hasHost = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  let full = hasHost ? reference : `docker.io/${slash < 0 ? 'library/' : ''}${reference}`;
  const lastPart = full.slice(full.lastIndexOf('/') + 1);
  if (!lastPart.includes(':') && !lastPart.includes('@')) full += ':latest';
  return { host: full.slice(0, full.indexOf('/')), full };
}

async function insideRepo(root: string, path: string, field: string, kind: 'file' | 'directory'): Promise<void> {
  const missing = kind === 'file' ? 'DOCKERFILE_NOT_FOUND' : 'CONTEXT_NOT_FOUND';
  const shown = relative(root, path) || '/';
  const real = await realpath(path).catch(() => null);
  if (real === null) throw new BuildError(missing, `The ${field} "${shown}" does not exist in the repository.`);
  const rootReal = await realpath(root);
  if (real !== rootReal && !real.startsWith(rootReal + sep))
    throw new BuildError(
      missing,
      `The ${field} "${shown}" leaves the repository (through a symbolic link); refusing to use it.`,
    );
  const s = await stat(real);
  if (kind === 'file' ? !s.isFile() : !s.isDirectory())
    throw new BuildError(missing, `The ${field} "${shown}" is not a ${kind}.`);
}

/**
 * Which platforms a stage's base must offer: a pinned stage Archway builds apart, the platform it is pinned to
 * (the host's for `$BUILDPLATFORM`); any other literal `--platform=`, that one; else every target. A
 * `$BUILDPLATFORM` left to buildah is every target too: buildah 1.28 resolves it to the platform being built.
 */
function wantedFor(stage: Stage, platforms: readonly Platform[], pinned: PinnedStages, host: Platform | null) {
  const apart = pinned.plan?.stages.find((s) => s.index === stage.index);
  if (apart) return [pinnedPlatform(apart.platform, host as Platform)];
  if (!stage.platformFlag || /\$/.test(stage.platformFlag)) return platforms;
  return [stage.platformFlag as Platform];
}

/** The pinned stages to build apart: none on a host of no platform Archway knows ($BUILDPLATFORM means nothing). */
function pinnedStagesOf(text: string, stages: Stage[], target: string | null, host: Platform | null): PinnedStages {
  const planned = planPinnedStages(text, stages, target);
  if (planned.plan === null || host !== null) return planned;
  return { plan: null, why: 'this machine runs no platform Archway builds for' };
}

/**
 * A stage pinned to a platform that is not the one being built (`FROM --platform=linux/amd64 … AS tool`) is refused:
 * buildah 1.28 then builds every later stage for that platform too and labels the image with the target's, so an
 * "arm64" image held x86_64 binaries (seen by `bench/fan-out/build-platform-stage.ts`' probe; the config and the
 * index say arm64, so no later check notices). Such a stage is built apart (`pinned-stages.ts`) where it can be;
 * only one that cannot (the image itself is that stage, it reads a target stage, …) is refused.
 * `--platform=$BUILDPLATFORM` left to buildah is left alone: buildah 1.28 resolves it to the target platform,
 * which builds that stage under QEMU but right.
 */
function refusePinnedStages(stages: readonly Stage[], platforms: readonly Platform[], apart: PinnedStages): void {
  for (const stage of stages) {
    if (apart.plan?.stages.some((s) => s.index === stage.index)) continue;
    const pinned = stage.platformFlag;
    if (!pinned || pinned.includes('$')) continue;
    const other = platforms.find((p) => p !== pinned);
    if (!other) continue;
    throw new BuildError(
      'DOCKERFILE_SYNTAX',
      `The Dockerfile pins the stage from ${stage.base} to --platform=${pinned}, and buildah 1.28 would build the later stages for ${pinned} too while labelling the image ${other}; use --platform=$BUILDPLATFORM, or build ${pinned} alone.`,
    );
  }
}

/** A base image a build starts from: its full reference and the digest the tag pointed at when it was read. */
export interface BaseImage {
  reference: string;
  digest: string;
}

async function checkBases(
  spec: BuildSpec,
  stages: Stage[],
  pinned: PinnedStages,
  o: { access: RegistryAccess; authFile: string | null; log: (m: string) => void },
): Promise<BaseImage[]> {
  const { access, authFile, log } = o;
  const bases: BaseImage[] = [];
  const names = new Set(stages.flatMap((s) => (s.name ? [s.name, String(s.index)] : [String(s.index)])));
  const seen = new Set<string>();
  for (const stage of stages) {
    if (stage.base.toLowerCase() === 'scratch' || names.has(stage.base.toLowerCase())) continue;
    if (stage.base.includes('$') || stage.base === '')
      throw new BuildError(
        'DOCKERFILE_SYNTAX',
        `The FROM on line ${stage.line} names no image after substituting build args ("${stage.base}"); give the ARG a default or pass it in build_args.`,
      );
    const { host, full } = qualifyImage(stage.base);
    if (seen.has(full)) continue;
    seen.add(full);
    let offered;
    try {
      offered = await readImagePlatforms(full, { authFile, tls: tlsFor(host, access), signal: spec.signal });
    } catch (error) {
      if (error instanceof ImageNotFound)
        throw new BuildError(
          'BASE_IMAGE_NOT_FOUND',
          `The base image ${stage.base} (line ${stage.line}) does not exist in its registry.`,
        );
      if (error instanceof BuildError)
        throw new BuildError(error.reason, `${error.message} (base image ${stage.base})`);
      throw error;
    }
    const have = offered.platforms.map(platformName);
    for (const wanted of wantedFor(stage, spec.platforms, pinned, hostPlatform())) {
      if (!offered.platforms.some((p) => matchesPlatform(p, wanted))) {
        throw new BuildError(
          'BASE_PLATFORM_MISSING',
          `The base image ${stage.base} has no ${wanted} variant (it has: ${have.join(', ') || 'none'}).`,
        );
      }
    }
    log(`Base image ${full} offers ${have.join(', ')}`);
    bases.push({ reference: full, digest: offered.digest });
  }
  return bases;
}

/**
 * Checks, in about a second, what would otherwise fail minutes into a build: the Dockerfile and context exist
 * inside the repository, the target stage exists, every base image offers every requested platform, and the
 * target registry accepts the credentials (or answers at all). Throws BuildError with the sentence to show.
 * Returns the base images it read, with their digests, and the Dockerfile's text.
 */
export async function preflight(
  spec: BuildSpec,
  o: { access: RegistryAccess; authFile: string | null; loginAuthFile: string; log: (m: string) => void },
): Promise<{ bases: BaseImage[]; dockerfileText: string; pinned: PinnedStages }> {
  await insideRepo(spec.repoRoot, spec.contextDir, 'context path', 'directory');
  await insideRepo(spec.repoRoot, spec.dockerfile, 'Dockerfile', 'file');
  if (spec.secret) {
    const s = await stat(spec.secret.file).catch(() => null);
    if (!s?.isFile())
      throw new BuildError(
        'SECRET_NOT_FOUND',
        `The build secret "${spec.secret.id}" has no file at "${relative(spec.repoRoot, spec.secret.file)}".`,
      );
  }
  const text = await readFile(spec.dockerfile, 'utf8');
  let stages: Stage[];
  try {
    stages = parseStages(text, new Map(spec.buildArgs.map(([k, v]) => [k, v])));
  } catch (error) {
    if (error instanceof DockerfileSyntaxError)
      throw new BuildError('DOCKERFILE_SYNTAX', `The Dockerfile is not valid: ${error.message}.`);
    throw error;
  }
  if (spec.targetStage && !stages.some((s) => s.name === spec.targetStage?.toLowerCase())) {
    const named = stages.flatMap((s) => (s.name ? [s.name] : []));
    throw new BuildError(
      'TARGET_NOT_FOUND',
      `The target stage "${spec.targetStage}" is not in the Dockerfile (its stages: ${named.join(', ') || 'none named'}).`,
    );
  }
  const needed = stagesNeeded(text, stages, spec.targetStage);
  const pinned = pinnedStagesOf(text, stages, spec.targetStage, hostPlatform());
  refusePinnedStages(needed, spec.platforms, pinned);
  if (pinned.plan)
    o.log(`Stages built apart for their own platform: ${pinned.plan.stages.map((s) => s.name).join(', ')}`);
  else if (pinned.why) o.log(`Pinned stages are left to buildah: ${pinned.why}`);
  const bases = await checkBases(spec, needed, pinned, o);
  const tls = tlsFor(spec.registry, o.access);
  if (spec.credentials) {
    await checkLogin(spec.registry, spec.credentials.username, spec.credentials.password, {
      authFile: o.loginAuthFile,
      tls,
      signal: spec.signal,
    });
    o.log(`Logged in to ${spec.registry} as ${spec.credentials.username}`);
  } else {
    await checkReachable(`${spec.registry}/${spec.repository}:${spec.tags[0] ?? 'latest'}`, {
      authFile: o.authFile,
      tls,
      signal: spec.signal,
    });
  }
  return { bases, dockerfileText: text, pinned };
}
