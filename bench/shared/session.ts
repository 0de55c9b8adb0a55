/**
 * What the build benchmarks (bench/build, bench/cache) share: a work dir with a registry on 127.0.0.1, runs
 * timed with the blobs the registry received, a failure recorded per run, Ctrl-C handling, and a clean-up that
 * leaves no store, mount, process or temp dir behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killProcessesRootedIn, mountsUnder, removeImageStore } from '../../src/engine/buildah/image-store.js';
import type { Engine } from '../../src/app/ports/engine.js';
import { runChild } from '../../src/process/child.js';
import type { LocalRegistry } from '../../src/registry-server/local-registry.js';
import { describeLoad, timed, type Row, type Sample } from '../build/measure.js';

export interface BenchSession {
  work: string;
  signal: AbortSignal;
  registry: LocalRegistry | null;
  /** Engines made by the run; each one's dir is cleaned (its cache stores too) at the end. */
  engines: Array<{ engine: Engine; dir: string }>;
  /** Other stores (buildah --root dirs) not yet removed. */
  stores: Set<string>;
  /** Temp dirs outside `work` (repositories) removed at the end. */
  dirs: Set<string>;
}

export interface Case {
  row: Row;
  run: (round: number) => Promise<Sample>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function parseRuns(args: readonly string[], fallback = 3): number {
  const at = args.indexOf('--runs');
  const raw = at >= 0 ? args[at + 1] : args.find((a) => a.startsWith('--runs='))?.slice('--runs='.length);
  const runs = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs takes a positive integer (got "${raw ?? ''}").`);
  return runs;
}

export function registryOf(s: BenchSession): LocalRegistry {
  if (!s.registry) throw new Error('the registry is not running');
  return s.registry;
}

/** One timed run, with the blobs the registry received meanwhile (completed uploads in its access log). */
export async function measured(s: BenchSession, fn: () => Promise<string>): Promise<Sample> {
  const registry = registryOf(s);
  s.signal.throwIfAborted();
  const before = await registry.countBlobUploads();
  const sample = await timed([registry.pid], fn);
  await sleep(200); // the access-log line is written as the response ends
  return { ...sample, uploads: (await registry.countBlobUploads()) - before };
}

/** One run of a case; a failure is recorded (the other runs and cases go on) unless the benchmark was interrupted. */
export async function runOnce(s: BenchSession, c: Case, round: number): Promise<void> {
  try {
    const sample = await c.run(round);
    c.row.samples.push(sample);
    console.error(
      `  round ${round} ${c.row.id}: ${sample.wallS.toFixed(2)} s, ${sample.uploads} blob uploads, others' CPU ${sample.othersCores.toFixed(2)} cores${sample.note ? `, ${sample.note}` : ''}`,
    );
  } catch (error) {
    if (s.signal.aborted) throw error;
    c.row.failures.push(`round ${round}: ${(error as Error).message}`);
    console.error(`  round ${round} ${c.row.id}: FAILED: ${(error as Error).message}`);
  }
}

async function step(what: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    console.error(`cleanup: ${what} failed: ${(error as Error).message}`);
  }
}

/** Removes everything the run made: processes left in its stores, stores (and their mounts), the registry, dirs. */
async function cleanUp(s: BenchSession): Promise<void> {
  await step('killing leftover RUN processes', () => killProcessesRootedIn(s.work));
  for (const { engine, dir } of s.engines) {
    await step(`engine cleanup in ${dir}`, () => engine.cleanup());
    const cacheStores = await readdir(join(dir, 'cache')).catch(() => [] as string[]);
    for (const c of cacheStores) await step(`removing cache store ${c}`, () => removeImageStore(join(dir, 'cache', c)));
  }
  for (const dir of s.stores) await step(`removing store ${dir}`, () => removeImageStore(dir));
  if (s.registry) await step('stopping the registry', () => (s.registry as LocalRegistry).stop());
  for (const point of await mountsUnder(s.work))
    await step(`unmounting ${point}`, () => runChild(['umount', '--lazy', point]));
  const left = await mountsUnder(s.work);
  if (left.length) console.error(`cleanup: mounts still under ${s.work}: ${left.join(', ')}`);
  await step('removing temp dirs', async () => {
    rmSync(s.work, { recursive: true, force: true });
    for (const dir of s.dirs) rmSync(dir, { recursive: true, force: true });
  });
}

/**
 * Runs a benchmark in a fresh session and returns the exit code: 0, 1 when it failed, 130 when interrupted.
 * Everything is cleaned up at the end, also after Ctrl-C (a second Ctrl-C exits at once).
 */
export async function benchMain(
  name: string,
  body: (s: BenchSession, startLoad: string) => Promise<void>,
): Promise<number> {
  const abort = new AbortController();
  const s: BenchSession = {
    work: mkdtempSync(join(tmpdir(), `archway-bench-${name}-`)),
    signal: abort.signal,
    registry: null,
    engines: [],
    stores: new Set(),
    dirs: new Set(),
  };
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // tsx and npm relay the terminal's Ctrl-C a few ms later: only a signal 2 s after the first one means "now".
    if (abort.signal.aborted) {
      if (Date.now() - firstSignalAt > 2_000) process.exit(130); // the registry dies with us (its exit hook)
      return;
    }
    firstSignalAt = Date.now();
    console.error(
      `\n${signal}: stopping the builds and cleaning up (Ctrl-C again to exit at once, leaving stores behind)...`,
    );
    abort.abort();
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  const startLoad = describeLoad('start');
  console.error(startLoad);
  try {
    await body(s, startLoad);
    return 0;
  } catch (error) {
    console.error(abort.signal.aborted ? 'interrupted.' : `benchmark failed: ${(error as Error).message}`);
    return abort.signal.aborted ? 130 : 1;
  } finally {
    await cleanUp(s);
  }
}
