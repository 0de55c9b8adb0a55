import { platformResultOf } from '../../domain/platform-image.js';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  BuildEvent,
  BuildResult,
  BuildSpec,
  Engine,
  PlatformImage,
  PlatformResult,
} from '../../app/ports/engine.js';
import { BUILD_FAILURE_REASONS, BuildError, type BuildFailureReason } from '../../domain/errors.js';
import type { Platform } from '../../domain/platform.js';
import { withDeadline } from '../deadline.js';

/**
 * The build args that steer the fake (Woodpecker's dummy backend reads env keys the same way); other args are
 * ignored, an unknown FAKE_ key fails the build so that a typo in a test shows.
 */
export const FAKE_DIRECTIVES = {
  FAKE_FAIL_AT: '`<platform>[:<step>]`, `preflight` or `push`: the build fails there',
  FAKE_FAIL_REASON:
    'the BuildError reason of that failure (default RUN_FAILED, BASE_IMAGE_NOT_FOUND in pre-flight, PUSH_DENIED at the push)',
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

/** What the build args ask for; a directive the fake cannot follow fails the build (a typo in a test shows). */
function planOf(spec: BuildSpec, nth: number) {
  const d = new Map(spec.buildArgs.filter(([key]) => key.startsWith('FAKE_')));
  const wrong = (what: string) => new BuildError('ENGINE_FAILED', `The fake engine ${what}.`);
  for (const key of d.keys())
    if (!(key in FAKE_DIRECTIVES))
      throw wrong(`has no directive ${key} (it knows ${Object.keys(FAKE_DIRECTIVES).join(', ')})`);
  const count = (key: keyof typeof FAKE_DIRECTIVES, fallback: number): number => {
    const raw = d.get(key);
    if (raw !== undefined && !/^\d+$/.test(raw)) throw wrong(`'s ${key} must be a count, not "${raw}"`);
    return raw === undefined ? fallback : Number(raw);
  };
  const steps = Math.max(1, count('FAKE_STEPS', 2));
  const [place, step = String(steps)] = (d.get('FAKE_FAIL_AT') ?? '').split(':');
  const places = ['preflight', 'push', ...spec.platforms];
  if (place && (!places.includes(place) || !/^\d+$/.test(step) || Number(step) < 1 || Number(step) > steps))
    throw wrong(`cannot fail at "${d.get('FAKE_FAIL_AT')}" (it can at ${places.join(', ')}; steps 1 to ${steps})`);
  const failing = place && nth <= count('FAKE_FAIL_TIMES', Number.MAX_SAFE_INTEGER);
  const reason = d.get('FAKE_FAIL_REASON') as BuildFailureReason | undefined;
  if (reason !== undefined && !BUILD_FAILURE_REASONS.includes(reason)) throw wrong(`knows no reason "${reason}"`);
  return {
    failAt: failing ? { place, step: Number(step) } : null,
    failReason: reason,
    steps,
    sleepMs: count('FAKE_SLEEP_MS', 0),
    lines: count('FAKE_LOG_LINES', 0),
    cat: d.get('FAKE_CAT'),
    hang: d.get('FAKE_HANG') === '1',
  };
}

interface Place {
  /** What failed, as a sentence starts: "Pre-flight", "Pushing r:t", "The build for linux/arm64 at step 2/2". */
  what: string;
  registry: string;
  run?: { platform: Platform; step: number; steps: number; instruction: string };
}

/** The sentence buildah would give for `reason` at that place (docs/engine.md, Errors). */
function failureMessage(reason: BuildFailureReason, at: Place): string {
  switch (reason) {
    case 'RUN_FAILED':
      return at.run
        ? `RUN step failed on ${at.run.platform} at step ${at.run.step}/${at.run.steps} (${at.run.instruction}) with exit code 1.`
        : `${at.what} failed: a RUN step exited with code 1.`;
    case 'BASE_IMAGE_NOT_FOUND':
      return `The base image ${at.registry}/fake/base:latest (line 1) does not exist in its registry.`;
    case 'PUSH_DENIED':
      return `${at.what}: the registry denied access (denied); the account may not push to this repository.`;
    case 'REGISTRY_UNREACHABLE':
      return `${at.what}: registry ${at.registry} is unreachable (dial tcp: connection refused).`;
    case 'AUTH_FAILED':
      return `${at.what}: the registry rejected the credentials (unauthorized); check the login and password or the integration.`;
    default:
      return `${at.what} failed with ${reason} (the fake engine's FAKE_FAIL_REASON).`;
  }
}

function digestOf(...parts: string[]): string {
  return `sha256:${createHash('sha256').update(parts.join('\0')).digest('hex')}`;
}

/** The size the fake engine reports for an image: 1 MiB a step, so that tests can tell sizes from nothing. */
const FAKE_STEP_BYTES = 1 << 20;

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

  /** Pre-flight and the units of `spec`, as the buildah engine tells them; nothing pushed yet. */
  async function runUnits(spec: BuildSpec, onEvent: (e: BuildEvent) => void, signal: AbortSignal) {
    const repository = `${spec.registry}/${spec.repository}`;
    builds.set(repository, (builds.get(repository) ?? 0) + 1);
    const plan = planOf(spec, builds.get(repository) as number);
    const fail = (fallback: BuildFailureReason, what: string, run?: Place['run']): BuildError => {
      const reason = plan.failReason ?? fallback;
      return new BuildError(reason, failureMessage(reason, { what, registry: spec.registry, run }));
    };
    onEvent({ type: 'preflight', message: `Fake engine: ${spec.platforms.join(', ')} for ${repository}` });
    if (plan.failAt?.place === 'preflight') throw fail('BASE_IMAGE_NOT_FOUND', 'Pre-flight');
    const cat = plan.cat === undefined ? [] : (await readFile(resolve(spec.contextDir, plan.cat), 'utf8')).split('\n');
    const units: Array<Omit<PlatformResult, 'digest'>> = [];
    for (const platform of spec.platforms) {
      signal.throwIfAborted();
      const unitStarted = Date.now();
      onEvent({ type: 'platform-started', platform, emulated: platform !== native });
      const say = (line: string) => onEvent({ type: 'log', platform, line });
      for (let step = 1; step <= plan.steps; step++) {
        const instruction = `RUN fake step ${step}`;
        onEvent({ type: 'step', platform, stage: null, step, steps: plan.steps, instruction });
        say(`STEP ${step}/${plan.steps}: ${instruction}`);
        if (plan.failAt?.place === platform && plan.failAt.step === step)
          throw fail('RUN_FAILED', `The build for ${platform} at step ${step}/${plan.steps}`, {
            platform,
            step,
            steps: plan.steps,
            instruction,
          });
      }
      for (const line of cat.filter(Boolean)) say(`${plan.cat}: ${line}`);
      for (let i = 1; i <= plan.lines; i++) {
        say(`fake log line ${i} of ${plan.lines}`);
        await sleep(plan.sleepMs / plan.lines, undefined, { signal });
      }
      if (plan.lines === 0 && plan.sleepMs > 0) await sleep(plan.sleepMs, undefined, { signal });
      if (plan.hang && units.length === 0) await sleep(2 ** 31 - 1, undefined, { signal });
      const durationMs = Date.now() - unitStarted;
      units.push({
        platform,
        emulated: platform !== native,
        durationMs,
        cachedSteps: 0,
        totalSteps: plan.steps,
        sizeBytes: FAKE_STEP_BYTES * plan.steps,
      });
    }
    const digestOfUnit = (p: Platform) => digestOf(repository, p, JSON.stringify(spec.buildArgs));
    return { units, plan, fail, repository, digestOfUnit };
  }

  /** Pushes an index of `digests` under every tag of the spec, as events. */
  async function pushIndex(
    spec: BuildSpec,
    onEvent: (e: BuildEvent) => void,
    signal: AbortSignal,
    digests: string[],
    failPush: (reference: string) => BuildError | null,
  ): Promise<{ indexDigest: string; references: string[] }> {
    const repository = `${spec.registry}/${spec.repository}`;
    const indexDigest = digestOf(...digests);
    if (spec.freshCredentials) await spec.freshCredentials();
    const references: string[] = [];
    for (const tag of spec.tags) {
      signal.throwIfAborted();
      const reference = `${repository}:${tag}`;
      const failure = failPush(reference);
      if (failure) throw failure;
      references.push(reference);
      onEvent({ type: 'pushed', reference, digest: indexDigest });
    }
    onEvent({ type: 'verified', digest: indexDigest, platforms: [...spec.platforms] });
    return { indexDigest, references };
  }

  async function run(spec: BuildSpec, onEvent: (e: BuildEvent) => void, signal: AbortSignal): Promise<BuildResult> {
    const started = Date.now();
    const { units, plan, fail, digestOfUnit } = await runUnits(spec, onEvent, signal);
    const digests = spec.platforms.map(digestOfUnit);
    const failPush = (reference: string) =>
      plan.failAt?.place === 'push' ? fail('PUSH_DENIED', `Pushing ${reference}`) : null;
    const pushed = await pushIndex(spec, onEvent, signal, digests, failPush);
    const platforms = units.map((u, i) => ({ ...u, digest: digests[i] as string }));
    for (const p of platforms) onEvent({ type: 'platform-finished', ...p });
    return { ...pushed, platforms, durationMs: Date.now() - started };
  }

  async function runPlatform(spec: BuildSpec, onEvent: (e: BuildEvent) => void, signal: AbortSignal) {
    if (spec.platforms.length !== 1)
      throw new BuildError('ENGINE_FAILED', `buildPlatform builds one platform, not ${spec.platforms.length}.`);
    const { units, plan, fail, repository, digestOfUnit } = await runUnits(spec, onEvent, signal);
    const unit = units[0] as Omit<PlatformResult, 'digest'>;
    if (plan.failAt?.place === 'push')
      throw fail('PUSH_DENIED', `Pushing ${repository}@${digestOfUnit(unit.platform)}`);
    const result = { ...unit, digest: digestOfUnit(unit.platform) };
    onEvent({ type: 'platform-finished', ...result });
    return { ...result, mediaType: 'application/vnd.oci.image.manifest.v1+json', manifestSize: 512 };
  }

  async function runIndex(
    spec: BuildSpec,
    images: readonly PlatformImage[],
    onEvent: (e: BuildEvent) => void,
    signal: AbortSignal,
  ): Promise<BuildResult> {
    const started = Date.now();
    const ordered = spec.platforms.map((p) => images.find((i) => i.platform === p));
    if (images.length !== spec.platforms.length || ordered.some((i) => i === undefined))
      throw new BuildError(
        'VERIFY_FAILED',
        `The image index must list ${spec.platforms.join(', ')}; the platform builds gave ${images.map((i) => i.platform).join(', ') || 'nothing'}.`,
      );
    const platforms = (ordered as PlatformImage[]).map(platformResultOf);
    const pushed = await pushIndex(
      spec,
      onEvent,
      signal,
      platforms.map((p) => p.digest),
      () => null,
    );
    for (const p of platforms) onEvent({ type: 'platform-finished', ...p });
    return { ...pushed, platforms, durationMs: Date.now() - started };
  }

  /** Runs one engine call under the spec's deadline, its failures as the buildah engine's would be. */
  async function guarded<T>(spec: BuildSpec, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const { signal, stop, reasonOf } = withDeadline(spec.signal, spec.timeoutMs);
    running++;
    try {
      return await work(signal);
    } catch (error) {
      const stopped = reasonOf(error);
      if (stopped instanceof BuildError) throw stopped;
      const message = String((stopped as Error).message ?? stopped).replace(/\.?$/, '.');
      throw new BuildError('ENGINE_FAILED', `The fake engine failed: ${message}`, { cause: stopped });
    } finally {
      stop();
      running--;
    }
  }

  return {
    get cleanups() {
      return cleanups;
    },
    get running() {
      return running;
    },
    build: (spec, onEvent) => guarded(spec, (signal) => run(spec, onEvent, signal)),
    buildPlatform: (spec, onEvent) => guarded(spec, (signal) => runPlatform(spec, onEvent, signal)),
    assembleIndex: (spec, images, onEvent) => guarded(spec, (signal) => runIndex(spec, images, onEvent, signal)),
    async cleanup() {
      cleanups++;
    },
  };
}
