import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildEvent, BuildResult, BuildSpec, Engine, PlatformImage } from '../app/ports/engine.js';
import { BUILD_FAILURE_REASONS, BuildError } from '../domain/errors.js';

/** An engine with the specs that make it show each behaviour, made once per contract run. */
export interface EngineUnderContract {
  engine: Engine;
  /** A spec that builds and pushes (a fresh repository each call; two platforms and two tags show the most). */
  succeeding(): BuildSpec;
  /** A spec whose build fails (buildah: a `RUN false`). */
  failing(): BuildSpec;
  /** A spec whose build runs until it is stopped, in a RUN step (buildah: a `RUN sleep 60`). */
  hanging(): BuildSpec;
  /** What builds left behind (mounts, build directories, builds still running): empty after every build. */
  leftovers(): Promise<string[]>;
  /** The timeout the contract gives a hanging build, and how long a cancel or a timeout may take to end it. */
  timeoutMs: number;
  stopWithinMs: number;
  close(): Promise<void>;
}

interface Outcome {
  events: BuildEvent[];
  result: BuildResult | null;
  error: unknown;
  /** When the build ended (Date.now()). */
  ended: number;
}

async function outcome(engine: Engine, spec: BuildSpec, onEvent: (e: BuildEvent) => void = () => undefined) {
  const events: BuildEvent[] = [];
  const done = await engine
    .build(spec, (e) => (events.push(e), onEvent(e)))
    .then(
      (result) => ({ result, error: null }),
      (error: unknown) => ({ result: null, error }),
    );
  return { events, ...done, ended: Date.now() } satisfies Outcome;
}

/** What every rejection of `build` must be: a BuildError with a known reason and a sentence a person can act on. */
function expectBuildError(error: unknown): BuildError {
  expect(error).toBeInstanceOf(BuildError);
  const e = error as BuildError;
  expect(e.constructor).not.toBe(Error);
  expect(BUILD_FAILURE_REASONS).toContain(e.reason);
  expect(e.message, 'a sentence: a capital first, a full stop last, one line').toMatch(/^[A-Z][^\n]*\.$/);
  return e;
}

/**
 * The contract of the `Engine` port (app/ports/engine.ts), run by every engine: the fake in
 * `src/engine/fake/fake-engine.test.ts`, buildah under QEMU in `test/engine/engine-contract.test.ts`.
 * Only builds that are not reused (an unchanged build skips `platform-started`) are covered.
 */
export function runEngineContract(name: string, make: () => Promise<EngineUnderContract>): void {
  describe(`Engine contract: ${name}`, () => {
    let s: EngineUnderContract;
    let built: Promise<Outcome & { spec: BuildSpec }> | undefined;
    /** The succeeding spec's build, run once and shared by the tests that read it. */
    const succeeded = () => {
      if (!built) {
        const spec = s.succeeding();
        built = outcome(s.engine, spec).then((o) => ({ ...o, spec }));
      }
      return built;
    };
    /** Starts the hanging spec and aborts it once its RUN step runs; resolves with when the abort happened. */
    const cancelled = async () => {
      const cancel = new AbortController();
      let abortedAt = 0;
      const o = await outcome(s.engine, { ...s.hanging(), signal: cancel.signal }, (e) => {
        if (e.type === 'step' && e.instruction.startsWith('RUN') && !abortedAt) {
          abortedAt = Date.now() + 300;
          setTimeout(() => cancel.abort(), 300);
        }
      });
      return { ...o, abortedAt };
    };
    beforeAll(async () => {
      s = await make();
    });
    afterAll(async () => {
      await s?.close();
    });

    it('cleanup() resolves before any build, and the engine builds after it', async () => {
      await s.engine.cleanup();
      const { result, error } = await succeeded();
      expect(error).toBeNull();
      expect(result).not.toBeNull();
    });

    it('reports each platform started and finished, one push per tag, then verified listing every platform', async () => {
      const { events, spec } = await succeeded();
      const types = events.map((e) => e.type);
      for (const p of spec.platforms) {
        const started = events.findIndex((e) => e.type === 'platform-started' && e.platform === p);
        const finished = events.findIndex((e) => e.type === 'platform-finished' && e.platform === p);
        expect(
          events.filter((e) => e.type === 'platform-started' && e.platform === p),
          p,
        ).toHaveLength(1);
        expect(
          events.filter((e) => e.type === 'platform-finished' && e.platform === p),
          p,
        ).toHaveLength(1);
        expect(started, p).toBeGreaterThanOrEqual(0);
        expect(finished, p).toBeGreaterThan(started);
        // A platform's steps and lines come while it runs.
        const own = events.flatMap((e, i) => ((e.type === 'step' || e.type === 'log') && e.platform === p ? [i] : []));
        expect(own.length, p).toBeGreaterThan(0);
        expect(Math.min(...own), p).toBeGreaterThan(started);
      }
      expect(events.filter((e) => e.type === 'platform-started')).toHaveLength(spec.platforms.length);
      const pushed = events.filter((e) => e.type === 'pushed');
      expect(pushed.map((e) => e.reference)).toEqual(spec.tags.map((t) => `${spec.registry}/${spec.repository}:${t}`));
      const verified = types.indexOf('verified');
      expect(types.filter((t) => t === 'verified')).toHaveLength(1);
      expect(verified).toBeGreaterThan(types.lastIndexOf('pushed'));
      expect(events[verified]).toEqual({ type: 'verified', digest: pushed[0]?.digest, platforms: spec.platforms });
      expect(new Set(types.slice(verified + 1))).toEqual(new Set(['platform-finished']));
      expect(await s.leftovers()).toEqual([]);
    });

    it("returns the spec's platforms in order, with the digests and references the events gave", async () => {
      const { events, result, spec } = await succeeded();
      const r = result as BuildResult;
      expect(r.platforms.map((p) => p.platform)).toEqual(spec.platforms);
      expect(r.indexDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(r.references).toEqual(spec.tags.map((t) => `${spec.registry}/${spec.repository}:${t}`));
      expect(new Set(events.flatMap((e) => (e.type === 'pushed' ? [e.digest] : [])))).toEqual(new Set([r.indexDigest]));
      for (const p of r.platforms) {
        expect(p.digest, p.platform).toMatch(/^sha256:[0-9a-f]{64}$/);
        expect(p.totalSteps, p.platform).toBeGreaterThanOrEqual(p.cachedSteps);
        const finished = events.find((e) => e.type === 'platform-finished' && e.platform === p.platform);
        expect(finished).toMatchObject({ digest: p.digest, totalSteps: p.totalSteps, cachedSteps: p.cachedSteps });
        expect(p.sizeBytes, `${p.platform}: the image's size in the registry`).toBeGreaterThan(0);
        expect(finished).toMatchObject({ sizeBytes: p.sizeBytes });
      }
      expect(new Set(r.platforms.map((p) => p.digest)).size).toBe(spec.platforms.length);
      expect(r.reused ?? false).toBe(false);
    });

    it('fans out: buildPlatform pushes each platform by digest and no tag, assembleIndex lists them in the order of the spec under every tag', async () => {
      const spec = s.succeeding();
      const platformEvents: BuildEvent[] = [];
      const images: PlatformImage[] = [];
      // In reverse: the index follows the spec's order, not the order the platforms finished in.
      for (const p of [...spec.platforms].reverse())
        images.push(await s.engine.buildPlatform({ ...spec, platforms: [p] }, (e) => platformEvents.push(e)));
      for (const image of images) {
        expect(image.digest, image.platform).toMatch(/^sha256:[0-9a-f]{64}$/);
        expect(image.mediaType, image.platform).toMatch(/manifest/);
        expect(image.manifestSize, image.platform).toBeGreaterThan(0);
        expect(image.sizeBytes, image.platform).toBeGreaterThan(0);
        const finished = platformEvents.find((e) => e.type === 'platform-finished' && e.platform === image.platform);
        expect(finished).toMatchObject({ digest: image.digest, sizeBytes: image.sizeBytes });
      }
      expect(platformEvents.filter((e) => e.type === 'pushed' || e.type === 'verified')).toEqual([]);
      await expect(s.engine.buildPlatform(spec, () => undefined)).rejects.toBeInstanceOf(BuildError);

      const events: BuildEvent[] = [];
      const r = await s.engine.assembleIndex(spec, images, (e) => events.push(e));
      expect(r.platforms.map((p) => p.platform)).toEqual(spec.platforms);
      expect(r.platforms.map((p) => p.digest)).toEqual(
        spec.platforms.map((p) => images.find((i) => i.platform === p)?.digest),
      );
      expect(r.references).toEqual(spec.tags.map((t) => `${spec.registry}/${spec.repository}:${t}`));
      expect(events.filter((e) => e.type === 'pushed')).toEqual(
        r.references.map((reference) => ({ type: 'pushed', reference, digest: r.indexDigest })),
      );
      expect(events).toContainEqual({ type: 'verified', digest: r.indexDigest, platforms: spec.platforms });
      expect(events.filter((e) => e.type === 'platform-started')).toEqual([]);

      const short = await s.engine.assembleIndex(spec, images.slice(1), () => undefined).catch((e: unknown) => e);
      expect(expectBuildError(short).reason).toBe('VERIFY_FAILED');
      expect(await s.leftovers()).toEqual([]);
    });

    it('a cancel through the signal rejects soon with BuildError CANCELLED, leaving nothing behind', async () => {
      const { error, ended, abortedAt, events } = await cancelled();
      expect(abortedAt, 'the hanging build reached its RUN step').toBeGreaterThan(0);
      expect(expectBuildError(error).reason).toBe('CANCELLED');
      expect(ended - abortedAt).toBeLessThan(s.stopWithinMs);
      expect(events.map((e) => e.type)).not.toContain('pushed');
      expect(await s.leftovers()).toEqual([]);
    });

    it('a signal aborted before the build starts rejects with CANCELLED', async () => {
      const started = Date.now();
      const { error, ended } = await outcome(s.engine, { ...s.hanging(), signal: AbortSignal.abort() });
      expect(expectBuildError(error).reason).toBe('CANCELLED');
      expect(ended - started).toBeLessThan(s.stopWithinMs);
      expect(await s.leftovers()).toEqual([]);
    });

    it("the spec's timeout rejects with BuildError TIMEOUT naming it, leaving nothing behind", async () => {
      const started = Date.now();
      // Past the time a timeout may take, the contract stops the build itself (an engine ignoring the timeout
      // then fails here as CANCELLED instead of hanging the run).
      const giveUp = AbortSignal.timeout(s.timeoutMs + s.stopWithinMs);
      const { error, ended } = await outcome(s.engine, { ...s.hanging(), timeoutMs: s.timeoutMs, signal: giveUp });
      const e = expectBuildError(error);
      expect(e.reason).toBe('TIMEOUT');
      expect(e.message).toContain(`timeout of ${Math.round(s.timeoutMs / 1000)} s`);
      expect(ended - started).toBeGreaterThanOrEqual(s.timeoutMs - 50);
      expect(ended - started).toBeLessThan(s.timeoutMs + s.stopWithinMs);
      expect(await s.leftovers()).toEqual([]);
    });

    it('a failing build rejects with a BuildError whose message is a sentence, and pushes nothing', async () => {
      const { error, events, result } = await outcome(s.engine, s.failing());
      expect(result).toBeNull();
      expect(['CANCELLED', 'TIMEOUT']).not.toContain(expectBuildError(error).reason);
      expect(events.map((e) => e.type)).not.toContain('pushed');
      expect(events.map((e) => e.type)).not.toContain('verified');
      expect(await s.leftovers()).toEqual([]);
    });
  });
}
