import { BuildError } from '../domain/errors.js';
import type { Platform } from '../domain/platform.js';
import { runChild } from '../process/child.js';
import { buildArgv, fixPlatformArgv, imagePlatformArgv, type PlatformBuild } from './buildah/argv.js';
import { buildFailure, type FailureContext } from './buildah/failure.js';
import { isCacheHit, isNoise, lastErrorLine, parseStepLine } from './buildah/output.js';
import type { BuildEvent } from './engine.js';
import type { BuildStore } from './build-store.js';

export interface UnitResult {
  platform: Platform;
  store: BuildStore;
  image: string;
  emulated: boolean;
  durationMs: number;
  cachedSteps: number;
  totalSteps: number;
}

/** The architecture this machine runs natively; other platforms run under QEMU user emulation. */
export function isEmulated(platform: Platform): boolean {
  const native = process.arch === 'arm64' ? 'linux/arm64' : process.arch === 'x64' ? 'linux/amd64' : null;
  return platform !== native;
}

/**
 * One build unit: `buildah build` for one platform, its own process (clean per-platform logs and exit codes;
 * measured 12.7 s for 4 units 2 at a time vs 10.3 s for one process with `--jobs 2`, engine-notes section 8).
 * Resolves with the local image; rejects with BuildError (CANCELLED when `signal` aborted).
 */
export async function runPlatformUnit(b: PlatformBuild & { store: BuildStore }, o: { env: NodeJS.ProcessEnv; signal: AbortSignal; onEvent: (e: BuildEvent) => void }): Promise<UnitResult> {
  const started = Date.now();
  const emulated = isEmulated(b.platform);
  o.onEvent({ type: 'platform-started', platform: b.platform, emulated });
  const ctx: FailureContext = { platform: b.platform, lastStep: null, contextDir: b.contextDir };
  let cachedSteps = 0;
  let totalSteps = 0;
  let cachedAt = -1;
  const onLine = (line: string) => {
    if (isNoise(line)) return;
    const step = parseStepLine(line);
    if (step) {
      ctx.lastStep = step;
      totalSteps++;
      o.onEvent({ type: 'step', platform: b.platform, stage: step.stage === null ? null : String(step.stage), step: step.step, steps: step.steps, instruction: step.instruction, cached: false });
    } else if (isCacheHit(line) && cachedAt !== totalSteps) {
      cachedAt = totalSteps; // a remote hit prints two lines for one step
      cachedSteps++;
    }
    o.onEvent({ type: 'log', platform: b.platform, line });
  };
  const result = await runChild(buildArgv(b), { env: o.env, signal: o.signal, dieWithParent: true, onStdout: onLine, onStderr: onLine });
  if (result.aborted) throw new BuildError('CANCELLED', `The build for ${b.platform} was stopped.`);
  if (result.code !== 0) throw buildFailure(result.code, lastErrorLine(result.stderr), ctx);
  await ensurePlatformRecorded(b, o);
  return { platform: b.platform, store: b.store, image: b.image, emulated, durationMs: Date.now() - started, cachedSteps, totalSteps };
}

async function must(argv: string[], env: NodeJS.ProcessEnv, what: string): Promise<string> {
  const r = await runChild(argv, { env });
  if (r.code !== 0) throw new BuildError('ENGINE_FAILED', `${what}: ${r.stderr.trim().split('\n').pop() ?? r.code}`);
  return r.stdout.trim();
}

/**
 * buildah 1.28 records linux/arm/v7 in the config of a FROM scratch image built with `--platform linux/arm/v6`
 * (and ignores `--variant`), so the index would name the wrong variant: found by Archway's own index
 * verification. Rewrite the config when it disagrees; the commit adds one empty layer.
 */
async function ensurePlatformRecorded(b: PlatformBuild, o: { env: NodeJS.ProcessEnv; onEvent: (e: BuildEvent) => void }): Promise<void> {
  const [os = 'linux', arch = '', variant = ''] = b.platform.split('/');
  const recorded = (await must(imagePlatformArgv(b.store, b.image), o.env, 'Reading the built image')).split(' ');
  const recordedVariant = recorded[2] ?? '';
  if (recorded[0] === os && recorded[1] === arch && (recordedVariant === variant || (arch === 'arm64' && variant === ''))) return;
  o.onEvent({ type: 'log', platform: b.platform, line: `buildah recorded ${recorded.filter(Boolean).join('/')} for a ${b.platform} image; correcting its config.` });
  const container = await must(fixPlatformArgv.from(b.store, b.image), o.env, 'Correcting the image platform');
  try {
    await must(fixPlatformArgv.config(b.store, container, { os, arch, variant }), o.env, 'Correcting the image platform');
    await must(fixPlatformArgv.commit(b.store, container, b.image), o.env, 'Correcting the image platform');
  } finally {
    await runChild(fixPlatformArgv.rm(b.store, container), { env: o.env });
  }
}
