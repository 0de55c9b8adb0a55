/**
 * Build benchmark (issue 3 item 9; not part of the test suite): `npm run bench:build -- --runs N` (default 3).
 * Starts a registry on 127.0.0.1 with the fixture busybox base, then measures side by side, N runs each, the
 * order of the cases reversed every other round:
 *   A  the same buildah commands typed by hand, one `buildah build` per platform 2 at a time (the baseline, hand.ts)
 *   B  the recipe's one-process command `buildah build --jobs 2 --manifest` (a reference, hand.ts)
 *   C  Archway's 4-platform build of the two-stage fixture (engine API, cold private store, no cache): <= 1.05x A
 *   D  Archway, 1 platform (linux/amd64, native), cold: 1 vs 4 platforms
 *   E  Archway with `cache: min`: the first build, which fills the persistent store (once)
 *   F  Archway, warm rebuild with nothing changed: seconds, and no blob uploaded (registry access log)
 * Prints a table (stdout) with the load average at start and end. Every store, the registry and the temp dirs
 * are removed at the end, also after Ctrl-C (a second Ctrl-C exits at once).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Platform } from '../../src/domain/platform.js';
import { killProcessesRootedIn, mountsUnder, removeStore } from '../../src/engine/build-store.js';
import { createBuildahEngine } from '../../src/engine/buildah-engine.js';
import type { BuildSpec, Engine } from '../../src/engine/engine.js';
import { matchesPlatform, platformName, readImagePlatforms } from '../../src/engine/registry-reader.js';
import { runChild } from '../../src/process/child.js';
import type { LocalRegistry } from '../../src/registry/local-registry.js';
import { ALL_PLATFORMS, makeRepo, specFor, TWO_STAGE_DOCKERFILE } from '../../test/engine/helpers.js';
import { ensureBusyboxBase } from '../../test/support/busybox-base.js';
import { startOpenRegistry } from '../../test/support/registry.js';
import { oneProcess, perPlatform, runHandTyped, type HandInputs } from './hand.js';
import { BUSY_OTHERS_CORES, describeLoad, formatTable, median, timed, type Row, type Sample } from './measure.js';

const RATIO_TARGET = 1.05;
const WARM_TARGET_S = 10;
const SECRET = 'archway-bench-secret-3b9e';

interface Bench {
  work: string;
  signal: AbortSignal;
  repo: string | null;
  registry: LocalRegistry | null;
  engine: Engine | null;
  /** Hand-typed stores not yet removed (an interrupted run leaves one). */
  handStores: Set<string>;
}

interface Case {
  row: Row;
  run: (round: number) => Promise<Sample>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function parseRuns(args: readonly string[]): number {
  const at = args.indexOf('--runs');
  const raw = at >= 0 ? args[at + 1] : args.find((a) => a.startsWith('--runs='))?.slice('--runs='.length);
  const runs = raw === undefined ? 3 : Number(raw);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs takes a positive integer (got "${raw ?? ''}").`);
  return runs;
}

function registryOf(b: Bench): LocalRegistry {
  if (!b.registry) throw new Error('the registry is not running');
  return b.registry;
}

async function setUp(b: Bench): Promise<HandInputs> {
  b.registry = await startOpenRegistry(join(b.work, 'registry'));
  const base = await ensureBusyboxBase(b.registry.host);
  b.signal.throwIfAborted();
  b.repo = makeRepo({ 'docker/Dockerfile': TWO_STAGE_DOCKERFILE(base), 'docker/app/message.txt': 'from the context\n', 'secrets/token.txt': SECRET });
  b.engine = createBuildahEngine({ dir: join(b.work, 'engine'), access: { insecure: [b.registry.host], caDir: null } });
  console.error(`registry ${b.registry.host} (pid ${b.registry.pid}), base ${base}, work dir ${b.work}`);
  return {
    contextDir: join(b.repo, 'docker'), dockerfile: join(b.repo, 'docker/Dockerfile'), target: 'final',
    buildArgs: [['GREETING', 'bench']], secret: { id: 'token', file: join(b.repo, 'secrets/token.txt') }, platforms: ALL_PLATFORMS,
  };
}

/** One timed run, with the blobs the registry received meanwhile (completed uploads in its access log). */
async function measured(b: Bench, fn: () => Promise<string>): Promise<Sample> {
  const registry = registryOf(b);
  b.signal.throwIfAborted();
  const before = await registry.countBlobUploads();
  const sample = await timed([registry.pid], fn);
  await sleep(200); // the access-log line is written as the response ends
  return { ...sample, uploads: (await registry.countBlobUploads()) - before };
}

function archwayCase(b: Bench, hand: HandInputs, o: { platforms: Platform[]; repository: (round: number) => string; cache: BuildSpec['cache'] }) {
  return async (round: number): Promise<Sample> => measured(b, async () => {
    if (!b.engine || !b.repo) throw new Error('not set up');
    const spec = specFor(b.repo, registryOf(b).host, {
      contextDir: hand.contextDir, dockerfile: hand.dockerfile, targetStage: hand.target, buildArgs: hand.buildArgs, secret: hand.secret,
      platforms: o.platforms, repository: o.repository(round), cache: o.cache, signal: b.signal,
    });
    const result = await b.engine.build(spec, () => undefined);
    const cached = result.platforms.reduce((n, p) => n + p.cachedSteps, 0);
    const steps = result.platforms.reduce((n, p) => n + p.totalSteps, 0);
    return `cached steps ${cached}/${steps}`;
  });
}

/** What the hand-typed build pushed, checked outside the timing: exactly the requested platforms. */
async function checkIndex(b: Bench, reference: string, platforms: readonly Platform[]): Promise<string> {
  const read = await readImagePlatforms(reference, { authFile: null, tls: { verify: false, certDir: null }, signal: b.signal });
  const ok = read.isIndex && read.platforms.length === platforms.length && platforms.every((p) => read.platforms.some((r) => matchesPlatform(r, p)));
  return ok ? `index ok (${platforms.length} platforms)` : `index WRONG: has ${read.platforms.map(platformName).join(', ') || 'nothing'}`;
}

function handCase(b: Bench, hand: HandInputs, kind: 'per-platform' | 'one-process') {
  return async (round: number): Promise<Sample> => {
    const reference = `${registryOf(b).host}/bench/hand-${kind}-r${round}:latest`;
    const dir = join(b.work, 'hand', `${kind}-r${round}`);
    const script = (kind === 'per-platform' ? perPlatform : oneProcess)(dir, hand, reference);
    const sample = await measured(b, async () => {
      await runHandTyped(script, dir, b.signal, b.handStores);
      return '';
    });
    return { ...sample, note: await checkIndex(b, reference, hand.platforms) };
  };
}

function cases(b: Bench, hand: HandInputs): Case[] {
  const none: BuildSpec['cache'] = { mode: 'none', key: null, clear: false };
  const warm: BuildSpec['cache'] = { mode: 'min', key: 'bench', clear: false };
  const row = (id: string, name: string, versus: string | null, target?: Row['target']): Row => ({ id, name, samples: [], failures: [], versus, ...(target && { target }) });
  return [
    { row: row('A', 'hand-typed: 4x buildah build, 2 at a time + manifest (baseline)', null), run: handCase(b, hand, 'per-platform') },
    { row: row('B', 'hand-typed: 1x buildah build --jobs 2 --manifest (reference)', 'A'), run: handCase(b, hand, 'one-process') },
    {
      row: row('C', 'Archway, 4 platforms, cold, no cache', 'A', ({ ratio }) => (ratio === null ? '' : ratio <= RATIO_TARGET ? `met (<= ${RATIO_TARGET}x A)` : `NOT met (> ${RATIO_TARGET}x A)`)),
      run: archwayCase(b, hand, { platforms: ALL_PLATFORMS, repository: (r) => `bench/archway-4-r${r}`, cache: none }),
    },
    { row: row('D', 'Archway, 1 platform (linux/amd64), cold', 'C'), run: archwayCase(b, hand, { platforms: ['linux/amd64'], repository: (r) => `bench/archway-1-r${r}`, cache: none }) },
    { row: row('E', 'Archway, 4 platforms, cache min: first build fills store', 'C'), run: archwayCase(b, hand, { platforms: ALL_PLATFORMS, repository: () => 'bench/warm', cache: warm }) },
    {
      row: row('F', 'Archway, 4 platforms, warm rebuild, nothing changed', 'C', ({ median, uploads }) => {
        const misses = [median > WARM_TARGET_S && `median > ${WARM_TARGET_S} s`, uploads.some((u) => u > 0) && 'blobs uploaded'].filter(Boolean);
        return misses.length === 0 ? `met (<= ${WARM_TARGET_S} s, 0 uploads)` : `NOT met (${misses.join(', ')})`;
      }),
      run: archwayCase(b, hand, { platforms: ALL_PLATFORMS, repository: () => 'bench/warm', cache: warm }),
    },
  ];
}

/** One run of a case; a failure is recorded (the other runs and cases go on) unless the benchmark was interrupted. */
async function runOnce(b: Bench, c: Case, round: number): Promise<void> {
  try {
    const s = await c.run(round);
    c.row.samples.push(s);
    console.error(`  round ${round} ${c.row.id}: ${s.wallS.toFixed(2)} s, ${s.uploads} blob uploads, others' CPU ${s.othersCores.toFixed(2)} cores${s.note ? `, ${s.note}` : ''}`);
  } catch (error) {
    if (b.signal.aborted) throw error;
    c.row.failures.push(`round ${round}: ${(error as Error).message}`);
    console.error(`  round ${round} ${c.row.id}: FAILED: ${(error as Error).message}`);
  }
}

async function runBench(b: Bench, runs: number): Promise<Row[]> {
  const all = cases(b, await setUp(b));
  const fill = all.find((c) => c.row.id === 'E');
  if (fill) await runOnce(b, fill, 0);
  const rounds = all.filter((c) => c !== fill);
  for (let round = 1; round <= runs; round++) {
    for (const c of round % 2 === 1 ? rounds : [...rounds].reverse()) await runOnce(b, c, round);
  }
  return all.map((c) => c.row);
}

function report(rows: readonly Row[], startLoad: string): void {
  const medianOf = (id: string) => median(rows.find((r) => r.id === id)?.samples.map((s) => s.wallS) ?? []);
  const lines = ['', startLoad, describeLoad('end') + '  (includes this benchmark\'s own builds)', '', formatTable(rows), ''];
  if (medianOf('B') > 0) lines.push(`Archway (C) vs the one-process command (B): ${(medianOf('C') / medianOf('B')).toFixed(2)}x`);
  lines.push(`others CPU = cores used on average by processes other than this benchmark and its children, max over the runs;`,
    `LOADED = above ${BUSY_OTHERS_CORES} cores: those wall times are inflated by other work on this 2-core machine.`);
  for (const r of rows) {
    const notes = [...new Set(r.samples.map((s) => s.note).filter(Boolean)), ...r.failures.map((f) => `FAILED ${f}`)];
    if (notes.length) lines.push(`${r.id}: ${notes.join('; ')}`);
  }
  console.log(lines.join('\n'));
}

async function step(what: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    console.error(`cleanup: ${what} failed: ${(error as Error).message}`);
  }
}

/** Removes everything the run made: processes left in its stores, stores (and their mounts), the registry, dirs. */
async function cleanUp(b: Bench): Promise<void> {
  const engineDir = join(b.work, 'engine');
  await step('killing leftover RUN processes', () => killProcessesRootedIn(b.work));
  if (b.engine) await step('engine cleanup', () => (b.engine as Engine).cleanup());
  const cacheStores = await readdir(join(engineDir, 'cache')).catch(() => [] as string[]);
  for (const s of cacheStores) await step(`removing cache store ${s}`, () => removeStore(join(engineDir, 'cache', s)));
  for (const dir of b.handStores) await step(`removing store ${dir}`, () => removeStore(dir));
  if (b.registry) await step('stopping the registry', () => (b.registry as LocalRegistry).stop());
  for (const point of await mountsUnder(b.work)) await step(`unmounting ${point}`, () => runChild(['umount', '--lazy', point]));
  const left = await mountsUnder(b.work);
  if (left.length) console.error(`cleanup: mounts still under ${b.work}: ${left.join(', ')}`);
  await step('removing temp dirs', async () => {
    rmSync(b.work, { recursive: true, force: true });
    if (b.repo) rmSync(b.repo, { recursive: true, force: true });
  });
}

async function main(): Promise<number> {
  const runs = parseRuns(process.argv.slice(2));
  const abort = new AbortController();
  const b: Bench = { work: mkdtempSync(join(tmpdir(), 'archway-bench-build-')), signal: abort.signal, repo: null, registry: null, engine: null, handStores: new Set() };
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // tsx and npm relay the terminal's Ctrl-C a few ms later: only a signal 2 s after the first one means "now".
    if (abort.signal.aborted) {
      if (Date.now() - firstSignalAt > 2_000) process.exit(130); // the registry dies with us (its exit hook)
      return;
    }
    firstSignalAt = Date.now();
    console.error(`\n${signal}: stopping the builds and cleaning up (Ctrl-C again to exit at once, leaving stores behind)...`);
    abort.abort();
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  const startLoad = describeLoad('start');
  console.error(`${startLoad}\n${runs} runs per case`);
  try {
    report(await runBench(b, runs), startLoad);
    return 0;
  } catch (error) {
    console.error(abort.signal.aborted ? 'interrupted.' : `benchmark failed: ${(error as Error).message}`);
    return abort.signal.aborted ? 130 : 1;
  } finally {
    await cleanUp(b);
  }
}

process.exitCode = await main();
