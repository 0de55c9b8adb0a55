import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BuildEvent, BuildResult, BuildSpec, Engine, PlatformResult } from '../../app/ports/engine.js';
import { BUILD_FAILURE_REASONS, BuildError, type BuildFailureReason } from '../../domain/errors.js';
import type { Platform } from '../../domain/platform.js';
import { withDeadline } from '../deadline.js';

/**
 * The build args that steer the fake (Woodpecker's dummy backend reads env keys the same way); other args are
 * ignored, an unknown FAKE_ key fails the build so that a typo in a test shows.
 */
export const FAKE_DIRECTIVES = {
  FAKE_FAIL_AT: '`<platform>[:<step>]`, `preflight` or `push`: the build fails there',
  FAKE_FAIL_REASON: 'the BuildError reason of that failure (default RUN_FAILED, BASE_IMAGE_NOT_FOUND in pre-flight, PUSH_DENIED at the push)',
  FAKE_FAIL_TIMES: 'fail only the first N builds of the repository on this engine, then succeed (retries)',
  FAKE_STEPS: 'steps per platform (default 2), each a step event and its `STEP k/n: …` log line',
  FAKE_SLEEP_MS: 'time each platform takes',
  FAKE_LOG_LINES: 'log events per platform (`fake log line i of n`), spread over FAKE_SLEEP_MS',
  FAKE_CAT: 'a file of the context whose lines each platform logs as `<path>: <line>` (like `RUN cat`)',
  FAKE_HANG: '1: the first platform runs until the signal or the timeout stops it',
} as const;

export interface FakeEngine extends Engine {
  /** How many times cleanup() ran, and the builds running now (0 after every build: nothing is left behind). */
  readonly cleanups: number;
  readonly running: number;
}

type Directives = Partial<Record<keyof typeof FAKE_DIRECTIVES, string>>;

function directivesOf(spec: BuildSpec): Directives {
  const out: Record<string, string> = {};
  for (const [key, value] of spec.buildArgs) {
    if (!key.startsWith('FAKE_')) continue;
    if (!(key in FAKE_DIRECTIVES)) {
      const known = Object.keys(FAKE_DIRECTIVES).join(', ');
      throw new BuildError('ENGINE_FAILED', `The fake engine has no directive ${key} (it knows ${known}).`);
    }
    out[key] = value;
  }
  return out;
}

function count(d: Directives, key: keyof typeof FAKE_DIRECTIVES, fallback: number): number {
  const raw = d[key];
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new BuildError('ENGINE_FAILED', `The fake engine's ${key} must be a count, not "${raw}".`);
  return Number(raw);
}

/** The sentence buildah would give for `reason` at that place (see docs/engine.md, Errors). */
function failureMessage(reason: BuildFailureReason, what: string, registry: string, run?: string): string {
  switch (reason) {
    case 'RUN_FAILED':
      return `RUN step failed on ${what} with exit code 1.`.replace('on Pre-flight', 'in pre-flight');
    case 'PUSH_DENIED':
      return `${what}: the registry denied access (denied); the account may not push to this repository.`;
    case 'REGISTRY_UNREACHABLE':
      return `${what}: registry ${registry} is unreachable (dial tcp: connection refused).`;
    case 'AUTH_FAILED':
      return `${what}: the registry rejected the credentials (unauthorized); check the login and password or the integration.`;
    default:
      return `${what} failed with ${reason}${run ? ` at ${run}` : ''} (the fake engine's FAKE_FAIL_REASON).`;
  }
}

function digestOf(...parts: string[]): string {
  return `sha256:${createHash('sha256').update(parts.join('\0')).digest('hex')}`;
}

const HOST: Platform | null = process.arch === 'arm64' ? 'linux/arm64' : process.arch === 'x64' ? 'linux/amd64' : null;

/**
 * An Engine without buildah, for tests of what runs around a build (the runtime, the agent): the events, result
 * and errors have the buildah engine's shape, digests are derived from the spec (the same spec gives the same
 * digests), the spec's build args steer it (FAKE_DIRECTIVES) and cancel and timeout work as in the real engine
 * (`deadline.ts`). No child process, nothing on disk but what FAKE_CAT reads.
 */
export function createFakeEngine(opts: { native?: Platform | null } = {}): FakeEngine {
  const native = opts.native === undefined ? HOST : opts.native;
  const builds = new Map<string, number>(); // repository -> builds so far, for FAKE_FAIL_TIMES
  let cleanups = 0;
  let running = 0;

  async function run(spec: BuildSpec, onEvent: (e: BuildEvent) => void, signal: AbortSignal): Promise<BuildResult> {
    const started = Date.now();
    const d = directivesOf(spec);
    const repository = `${spec.registry}/${spec.repository}`;
    const nth = (builds.get(repository) ?? 0) + 1;
    builds.set(repository, nth);
    const failing = d.FAKE_FAIL_AT !== undefined && nth <= count(d, 'FAKE_FAIL_TIMES', Number.MAX_SAFE_INTEGER);
    const [failAt, failStep] = failing ? (d.FAKE_FAIL_AT as string).split(':') : [];
    const steps = Math.max(1, count(d, 'FAKE_STEPS', 2));
    const sleepMs = count(d, 'FAKE_SLEEP_MS', 0);
    const lines = count(d, 'FAKE_LOG_LINES', 0);
    const fail = (fallback: BuildFailureReason, what: string, at?: string): BuildError => {
      const reason = (d.FAKE_FAIL_REASON ?? fallback) as BuildFailureReason;
      if (!BUILD_FAILURE_REASONS.includes(reason))
        return new BuildError('ENGINE_FAILED', `The fake engine knows no failure reason "${reason}".`);
      return new BuildError(reason, failureMessage(reason, what, spec.registry, at));
    };

    onEvent({ type: 'preflight', message: `Fake engine: ${spec.platforms.join(', ')} for ${repository}` });
    if (failAt === 'preflight') throw fail('BASE_IMAGE_NOT_FOUND', 'Pre-flight');
    const cat = d.FAKE_CAT === undefined ? [] : (await readFile(resolve(spec.contextDir, d.FAKE_CAT), 'utf8')).split('\n');
    const units: Array<Omit<PlatformResult, 'digest'>> = [];
    for (const platform of spec.platforms) {
      signal.throwIfAborted();
      const unitStarted = Date.now();
      const emulated = platform !== native;
      onEvent({ type: 'platform-started', platform, emulated });
      const say = (line: string) => onEvent({ type: 'log', platform, line });
      for (let step = 1; step <= steps; step++) {
        const instruction = `RUN fake step ${step}`;
        onEvent({ type: 'step', platform, stage: null, step, steps, instruction });
        say(`STEP ${step}/${steps}: ${instruction}`);
        if (failAt === platform && Number(failStep ?? steps) === step)
          throw fail('RUN_FAILED', `${platform} at step ${step}/${steps} (${instruction})`, instruction);
      }
      for (const line of cat.filter(Boolean)) say(`${d.FAKE_CAT}: ${line}`);
      for (let i = 1; i <= lines; i++) {
        say(`fake log line ${i} of ${lines}`);
        await sleep(sleepMs / lines, undefined, { signal });
      }
      if (lines === 0 && sleepMs > 0) await sleep(sleepMs, undefined, { signal });
      if (d.FAKE_HANG === '1' && units.length === 0) await sleep(2 ** 31 - 1, undefined, { signal });
      units.push({ platform, emulated, durationMs: Date.now() - unitStarted, cachedSteps: 0, totalSteps: steps });
    }
    const digests = spec.platforms.map((p) => digestOf(repository, p, JSON.stringify(spec.buildArgs)));
    const indexDigest = digestOf(...digests);
    if (spec.freshCredentials) await spec.freshCredentials();
    const references: string[] = [];
    for (const tag of spec.tags) {
      signal.throwIfAborted();
      const reference = `${repository}:${tag}`;
      if (failAt === 'push') throw fail('PUSH_DENIED', `Pushing ${reference}`);
      references.push(reference);
      onEvent({ type: 'pushed', reference, digest: indexDigest });
    }
    onEvent({ type: 'verified', digest: indexDigest, platforms: [...spec.platforms] });
    const platforms = units.map((u, i) => ({ ...u, digest: digests[i] as string }));
    for (const p of platforms) onEvent({ type: 'platform-finished', ...p });
    return { indexDigest, references, platforms, durationMs: Date.now() - started };
  }

  return {
    get cleanups() {
      return cleanups;
    },
    get running() {
      return running;
    },
    async build(spec, onEvent) {
      const { signal, stop, reasonOf } = withDeadline(spec.signal, spec.timeoutMs);
      running++;
      try {
        return await run(spec, onEvent, signal);
      } catch (error) {
        const stopped = reasonOf(error);
        if (stopped instanceof BuildError) throw stopped;
        throw new BuildError('ENGINE_FAILED', `The fake engine failed: ${(stopped as Error).message}.`, {
          cause: stopped,
        });
      } finally {
        stop();
        running--;
      }
    },
    async cleanup() {
      cleanups++;
    },
  };
}
