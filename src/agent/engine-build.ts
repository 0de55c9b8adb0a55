import type { Platform } from '../domain/platform.js';
import { BuildError } from '../domain/errors.js';
import type { BuildEvent, BuildSpec, Engine } from '../app/ports/engine.js';
import type { CredentialSource, RegistryResolver } from '../app/ports/registry-target.js';
import type { BuildRequest, BuildRunner } from '../app/ports/job-work.js';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A size as people read it in a log: "812 KiB", "12.3 MiB", "1.2 GiB" (powers of 1024, as registries count). */
export function sizeText(bytes: number): string {
  if (bytes < 1 << 20) return `${Math.max(1, Math.round(bytes / 1024))} KiB`;
  if (bytes < 1 << 30) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  return `${(bytes / (1 << 30)).toFixed(1)} GiB`;
}

/** One log line per engine event that a person reads in the action's log; platform lines carry `[platform]`. */
export function describeEvent(e: BuildEvent, agentName?: string): string | null {
  switch (e.type) {
    case 'preflight':
      return e.message;
    case 'platform-started':
      return `[${e.platform}] build started${agentName ? ` on ${agentName}` : ''} (${e.emulated ? 'emulated with QEMU' : 'native'})`;
    case 'step':
      return null; // the step line itself arrives as a log event
    case 'log':
      return e.platform ? `[${e.platform}] ${e.line}` : e.line;
    case 'pushed':
      return `Pushed ${e.reference} (${e.digest})`;
    case 'verified':
      return `Verified image index ${e.digest}: ${e.platforms.join(', ')}`;
    case 'platform-finished':
      return `[${e.platform}] ${e.digest}${e.sizeBytes === null ? '' : ` (${sizeText(e.sizeBytes)})`} in ${seconds(e.durationMs)}, ${e.cachedSteps} of ${e.totalSteps} steps from cache`;
  }
}

/**
 * The agent's BuildRunner over an Engine: the job's resolved build becomes a BuildSpec, engine events become
 * log lines, and the steps done across platforms become the action's progress (90 % before the push).
 */
export function createEngineBuildRunner(engine: Engine, resolve: RegistryResolver): BuildRunner {
  return async (r: BuildRequest) => {
    const done = new Map<Platform, number>();
    const onEvent = (e: BuildEvent) => {
      const line = describeEvent(e, r.agentName);
      if (line !== null) r.log(line);
      if (e.type === 'step') {
        done.set(e.platform, e.step / e.steps);
        const sum = [...done.values()].reduce((a, b) => a + b, 0);
        const building = r.part?.kind === 'PLATFORM' ? 1 : r.spec.platforms.length;
        r.progress(Math.floor((sum / building) * 90));
      }
    };
    const target = await resolve(r.spec.target);
    for (const note of target.notes) r.log(note);
    if (target.ensureRepository && (await target.ensureRepository()) === 'created')
      r.log(`Created the repository ${target.repositoryPath} in ${target.host}`);
    const fresh = target.credentials
      ? async () => {
          const t = await (target.credentials as CredentialSource).get();
          return { username: t.username, password: t.password };
        }
      : undefined;
    const spec: BuildSpec = {
      repoRoot: r.repoRoot,
      contextDir: r.contextDir,
      dockerfile: r.dockerfile,
      targetStage: r.spec.targetStage,
      buildArgs: r.spec.buildArgs,
      secret: r.spec.secret && r.secretFile ? { id: r.spec.secret.id, file: r.secretFile } : null,
      platforms: r.spec.platforms,
      registry: target.host,
      repository: target.repositoryPath,
      tags: r.spec.tags,
      credentials: fresh ? await fresh() : null,
      freshCredentials: fresh,
      cache: { mode: r.spec.cacheMode, key: r.cacheKey, clear: r.clearCache },
      timeoutMs: r.timeoutMs,
      signal: r.signal,
    };
    const hinted = (error: unknown): never => {
      // The registry's own words say "denied"; the target knows the likelier cause (e.g. no gcr.io repository yet).
      if (error instanceof BuildError && error.reason === 'PUSH_DENIED' && target.pushDeniedHint) {
        throw new BuildError('PUSH_DENIED', `${error.message} ${target.pushDeniedHint}`, { cause: error });
      }
      throw error;
    };
    if (r.part?.kind === 'PLATFORM') {
      const image = await engine.buildPlatform({ ...spec, platforms: [r.part.platform] }, onEvent).catch(hinted);
      r.progress(100);
      r.log(`[${image.platform}] pushed by digest as ${target.host}/${target.repositoryPath}@${image.digest}`);
      return image;
    }
    const result = await (
      r.part?.kind === 'INDEX' ? engine.assembleIndex(spec, r.part.images, onEvent) : engine.build(spec, onEvent)
    ).catch(hinted);
    r.progress(100);
    const how = result.reused ? 'unchanged, now tagged' : 'pushed';
    r.log(
      `Image index ${result.indexDigest} ${how} as ${result.references.join(', ')} in ${seconds(result.durationMs)}`,
    );
    return null;
  };
}
