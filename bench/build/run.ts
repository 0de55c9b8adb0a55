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
import { join } from 'node:path';
import type { Platform } from '../../src/domain/platform.js';
import { createBuildahEngine } from '../../src/engine/buildah/buildah-engine.js';
import type { BuildSpec, Engine } from '../../src/app/ports/engine.js';
import { matchesPlatform, platformName, readImagePlatforms } from '../../src/engine/buildah/registry-reader.js';
import { ALL_PLATFORMS, makeRepo, specFor, TWO_STAGE_DOCKERFILE } from '../../test/engine/helpers.js';
import { ensureBusyboxBase } from '../../test/support/busybox-base.js';
import { startOpenRegistry } from '../../test/support/registry.js';
import {
  benchMain,
  measured,
  parseRuns,
  registryOf,
  runOnce,
  type BenchSession,
  type Case,
} from '../shared/session.js';
import { oneProcess, perPlatform, runHandTyped, type HandInputs } from './hand.js';
import { BUSY_OTHERS_CORES, describeLoad, formatTable, median, type Row, type Sample } from './measure.js';

const RATIO_TARGET = 1.05;
const WARM_TARGET_S = 10;
const SECRET = 'archway-bench-secret-3b9e';

interface Bench extends BenchSession {
  repo: string;
  engine: Engine;
}

async function setUp(s: BenchSession): Promise<{ b: Bench; hand: HandInputs }> {
  s.registry = await startOpenRegistry(join(s.work, 'registry'));
  const base = await ensureBusyboxBase(s.registry.host);
  s.signal.throwIfAborted();
  const repo = makeRepo({
    'docker/Dockerfile': TWO_STAGE_DOCKERFILE(base),
    'docker/app/message.txt': 'from the context\n',
    'secrets/token.txt': SECRET,
  });
  s.dirs.add(repo);
  const dir = join(s.work, 'engine');
  const engine = createBuildahEngine({ dir, access: { insecure: [s.registry.host], caDir: null } });
  s.engines.push({ engine, dir });
  console.error(`registry ${s.registry.host} (pid ${s.registry.pid}), base ${base}, work dir ${s.work}`);
  return {
    b: Object.assign(s, { repo, engine }),
    hand: {
      contextDir: join(repo, 'docker'),
      dockerfile: join(repo, 'docker/Dockerfile'),
      target: 'final',
      buildArgs: [['GREETING', 'bench']],
      secret: { id: 'token', file: join(repo, 'secrets/token.txt') },
      platforms: ALL_PLATFORMS,
    },
  };
}

function archwayCase(
  b: Bench,
  hand: HandInputs,
  o: { platforms: Platform[]; repository: (round: number) => string; cache: BuildSpec['cache'] },
) {
  return async (round: number): Promise<Sample> =>
    measured(b, async () => {
      const spec = specFor(b.repo, registryOf(b).host, {
        contextDir: hand.contextDir,
        dockerfile: hand.dockerfile,
        targetStage: hand.target,
        buildArgs: hand.buildArgs,
        secret: hand.secret,
        platforms: o.platforms,
        repository: o.repository(round),
        cache: o.cache,
        signal: b.signal,
      });
      const result = await b.engine.build(spec, () => undefined);
      const cached = result.platforms.reduce((n, p) => n + p.cachedSteps, 0);
      const steps = result.platforms.reduce((n, p) => n + p.totalSteps, 0);
      return `cached steps ${cached}/${steps}`;
    });
}

/** What the hand-typed build pushed, checked outside the timing: exactly the requested platforms. */
async function checkIndex(b: Bench, reference: string, platforms: readonly Platform[]): Promise<string> {
  const read = await readImagePlatforms(reference, {
    authFile: null,
    tls: { verify: false, certDir: null },
    signal: b.signal,
  });
  const ok =
    read.isIndex &&
    read.platforms.length === platforms.length &&
    platforms.every((p) => read.platforms.some((r) => matchesPlatform(r, p)));
  return ok
    ? `index ok (${platforms.length} platforms)`
    : `index WRONG: has ${read.platforms.map(platformName).join(', ') || 'nothing'}`;
}

function handCase(b: Bench, hand: HandInputs, kind: 'per-platform' | 'one-process') {
  return async (round: number): Promise<Sample> => {
    const reference = `${registryOf(b).host}/bench/hand-${kind}-r${round}:latest`;
    const dir = join(b.work, 'hand', `${kind}-r${round}`);
    const script = (kind === 'per-platform' ? perPlatform : oneProcess)(dir, hand, reference);
    const sample = await measured(b, async () => {
      await runHandTyped(script, dir, b.signal, b.stores);
      return '';
    });
    return { ...sample, note: await checkIndex(b, reference, hand.platforms) };
  };
}

function cases(b: Bench, hand: HandInputs): Case[] {
  const none: BuildSpec['cache'] = { mode: 'none', key: null, clear: false };
  const warm: BuildSpec['cache'] = { mode: 'min', key: 'bench', clear: false };
  const row = (id: string, name: string, versus: string | null, target?: Row['target']): Row => ({
    id,
    name,
    samples: [],
    failures: [],
    versus,
    ...(target && { target }),
  });
  return [
    {
      row: row('A', 'hand-typed: 4x buildah build, 2 at a time + manifest (baseline)', null),
      run: handCase(b, hand, 'per-platform'),
    },
    {
      row: row('B', 'hand-typed: 1x buildah build --jobs 2 --manifest (reference)', 'A'),
      run: handCase(b, hand, 'one-process'),
    },
    {
      row: row('C', 'Archway, 4 platforms, cold, no cache', 'A', ({ ratio }) =>
        ratio === null ? '' : ratio <= RATIO_TARGET ? `met (<= ${RATIO_TARGET}x A)` : `NOT met (> ${RATIO_TARGET}x A)`,
      ),
      run: archwayCase(b, hand, { platforms: ALL_PLATFORMS, repository: (r) => `bench/archway-4-r${r}`, cache: none }),
    },
    {
      row: row('D', 'Archway, 1 platform (linux/amd64), cold', 'C'),
      run: archwayCase(b, hand, {
        platforms: ['linux/amd64'],
        repository: (r) => `bench/archway-1-r${r}`,
        cache: none,
      }),
    },
    {
      row: row('E', 'Archway, 4 platforms, cache min: first build fills store', 'C'),
      run: archwayCase(b, hand, { platforms: ALL_PLATFORMS, repository: () => 'bench/warm', cache: warm }),
    },
    {
      row: row('F', 'Archway, 4 platforms, warm rebuild, nothing changed', 'C', ({ median, uploads }) => {
        const misses = [
          median > WARM_TARGET_S && `median > ${WARM_TARGET_S} s`,
          uploads.some((u) => u > 0) && 'blobs uploaded',
        ].filter(Boolean);
        return misses.length === 0 ? `met (<= ${WARM_TARGET_S} s, 0 uploads)` : `NOT met (${misses.join(', ')})`;
      }),
      run: archwayCase(b, hand, { platforms: ALL_PLATFORMS, repository: () => 'bench/warm', cache: warm }),
    },
  ];
}

async function runBench(s: BenchSession, runs: number): Promise<Row[]> {
  const { b, hand } = await setUp(s);
  const all = cases(b, hand);
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
  const lines = [
    '',
    startLoad,
    describeLoad('end') + "  (includes this benchmark's own builds)",
    '',
    formatTable(rows),
    '',
  ];
  if (medianOf('B') > 0)
    lines.push(`Archway (C) vs the one-process command (B): ${(medianOf('C') / medianOf('B')).toFixed(2)}x`);
  lines.push(
    `others CPU = cores used on average by processes other than this benchmark and its children, max over the runs;`,
    `LOADED = above ${BUSY_OTHERS_CORES} cores: those wall times are inflated by other work on this 2-core machine.`,
  );
  for (const r of rows) {
    const notes = [...new Set(r.samples.map((s) => s.note).filter(Boolean)), ...r.failures.map((f) => `FAILED ${f}`)];
    if (notes.length) lines.push(`${r.id}: ${notes.join('; ')}`);
  }
  console.log(lines.join('\n'));
}

const runs = parseRuns(process.argv.slice(2));
process.exitCode = await benchMain('build', async (s, startLoad) => {
  console.error(`${runs} runs per case`);
  report(await runBench(s, runs), startLoad);
});
