/**
 * Layer cache benchmark (issue 5 item 6; not part of the test suite): `npm run bench:cache -- --runs N` (default 3).
 * Starts a registry on 127.0.0.1 with the fixture busybox base and, for two Dockerfiles (the two-stage fixture of
 * the engine tests, and one with ARG at the top and a heavy emulated RUN), measures 4-platform builds:
 *   cold    cache_mode MIN with clear_cache: every step built
 *   warm    the same agent again, nothing changed (the build fingerprint matches): target <= 0.05x cold, zero uploads
 *   layers  the same agent, a context file the Dockerfile does not copy changed: every step through the layer cache
 *   fill    cache_mode MAX, first build on agent B: cold plus the push of the step images and the build record (once)
 *   max     cache_mode MAX on a new agent with an empty store, nothing changed (the build record): target >= 5x faster
 *   maxl    cache_mode MAX on a new agent with an empty store, an unseen context file changed (layer import)
 *   late    the same agent as warm, one late line of the Dockerfile changed (a new change each run)
 * Blob uploads are counted from the registry's access log. Prints one table per Dockerfile (stdout).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBuildahEngine } from '../../src/engine/buildah/buildah-engine.js';
import type { BuildResult, BuildSpec, Engine } from '../../src/app/ports/engine.js';
import { ALL_PLATFORMS, makeRepo, specFor, TWO_STAGE_DOCKERFILE } from '../../test/engine/helpers.js';
import { ensureBusyboxBase } from '../../test/support/busybox-base.js';
import { startOpenRegistry } from '../../test/support/registry.js';
import { BUSY_OTHERS_CORES, describeLoad, formatTable, median, type Row } from '../build/measure.js';
import {
  benchMain,
  measured,
  parseRuns,
  registryOf,
  runOnce,
  type BenchSession,
  type Case,
} from '../shared/session.js';

const WARM_RATIO_TARGET = 0.05;
const MAX_SPEEDUP_TARGET = 5;

/** A Dockerfile under test, and how to change one late line of it (a different change each round). */
interface Subject {
  name: string;
  files: (base: string) => Record<string, string>;
  dockerfile: string;
  targetStage: string | null;
  buildArgs: Array<[string, string]>;
  secret: boolean;
  lateChange: (dockerfile: string, round: number) => string;
}

/** busybox sh counting to 600000: ~3 s native, ~30 s (arm64) to ~45 s (arm/v7) under QEMU on this machine. */
const HEAVY_DOCKERFILE = (base: string) => `
ARG BASE=${base}
FROM \${BASE}
ARG TARGETARCH
ARG ROUNDS=600000
RUN i=0; while [ $i -lt $ROUNDS ]; do i=$((i+1)); done; echo "$TARGETARCH counted to $i" > /count
COPY message.txt /message.txt
RUN cat /count /message.txt > /report
CMD ["cat", "/report"]
`;

const SUBJECTS: Subject[] = [
  {
    name: 'fixture (two stages, ARGs, secret mount)',
    files: (base) => ({
      'docker/Dockerfile': TWO_STAGE_DOCKERFILE(base),
      'docker/app/message.txt': 'from the context\n',
      'secrets/token.txt': 'archway-bench-secret-77c1',
    }),
    dockerfile: 'docker/Dockerfile',
    targetStage: 'final',
    buildArgs: [['GREETING', 'bench']],
    secret: true,
    lateChange: (text, round) => text.replace('"final stage on', `"final stage (change ${round}) on`),
  },
  {
    name: 'heavy emulated RUN (ARG at the top)',
    files: (base) => ({ 'docker/Dockerfile': HEAVY_DOCKERFILE(base), 'docker/message.txt': 'hello\n' }),
    dockerfile: 'docker/Dockerfile',
    targetStage: null,
    buildArgs: [],
    secret: false,
    lateChange: (text, round) => text.replace('> /report', `> /report && echo "change ${round}"`),
  },
];

function steps(result: BuildResult): string {
  const cached = result.platforms.reduce((n, p) => n + p.cachedSteps, 0);
  const total = result.platforms.reduce((n, p) => n + p.totalSteps, 0);
  return `${cached}/${total} steps from cache`;
}

function subjectCases(s: BenchSession, subject: Subject, index: number, base: string): { cases: Case[]; once: Case[] } {
  const registry = registryOf(s).host;
  const repo = makeRepo(subject.files(base));
  s.dirs.add(repo);
  const dockerfilePath = join(repo, subject.dockerfile);
  const original = subject.files(base)[subject.dockerfile] ?? '';
  const engine = (name: string): Engine => {
    const dir = join(s.work, `s${index}-${name}`);
    const made = createBuildahEngine({ dir, access: { insecure: [registry], caDir: null } });
    s.engines.push({ engine: made, dir });
    return made;
  };
  const sameAgent = engine('a');
  const filler = engine('b');
  const build = (on: Engine, cache: BuildSpec['cache'], repository: string) =>
    measured(s, async () => {
      const spec = specFor(repo, registry, {
        contextDir: join(repo, 'docker'),
        dockerfile: dockerfilePath,
        targetStage: subject.targetStage,
        buildArgs: subject.buildArgs,
        secret: subject.secret ? { id: 'token', file: join(repo, 'secrets/token.txt') } : null,
        platforms: ALL_PLATFORMS,
        repository,
        cache,
        signal: s.signal,
      });
      return steps(await on.build(spec, () => undefined));
    });
  const min = (clear: boolean): BuildSpec['cache'] => ({ mode: 'min', key: `bench-${index}-min`, clear });
  const max: BuildSpec['cache'] = { mode: 'max', key: `bench-${index}-max`, clear: false };
  const row = (id: string, name: string, versus: string | null, target?: Row['target']): Row => ({
    id,
    name,
    samples: [],
    failures: [],
    versus,
    ...(target && { target }),
  });
  const unseen = join(repo, 'docker', 'unseen.txt');
  const restore = () => {
    writeFileSync(dockerfilePath, original);
    rmSync(unseen, { force: true });
  };
  const touchUnseen = (label: string) => writeFileSync(unseen, `${label}\n`);
  const cases: Case[] = [
    {
      row: row('cold', 'cold (MIN, clear_cache)', null),
      run: () => (restore(), build(sameAgent, min(true), `bench/s${index}`)),
    },
    {
      row: row('warm', 'warm, same agent, nothing changed', 'cold', ({ ratio, uploads }) => {
        const misses = [
          ratio !== null && ratio > WARM_RATIO_TARGET && `> ${WARM_RATIO_TARGET}x cold`,
          uploads.some((u) => u > 0) && 'blobs uploaded',
        ].filter(Boolean);
        return misses.length === 0
          ? `met (<= ${WARM_RATIO_TARGET}x cold, 0 uploads)`
          : `NOT met (${misses.join(', ')})`;
      }),
      run: () => (restore(), build(sameAgent, min(false), `bench/s${index}`)),
    },
    {
      row: row('layers', 'same agent, a context file not copied changed', 'cold'),
      run: (round) => (restore(), touchUnseen(`layers ${round}`), build(sameAgent, min(false), `bench/s${index}`)),
    },
    {
      row: row('max', 'MAX cache, new agent with an empty store', 'cold', ({ ratio }) =>
        ratio === null
          ? ''
          : 1 / ratio >= MAX_SPEEDUP_TARGET
            ? `met (${(1 / ratio).toFixed(1)}x faster >= ${MAX_SPEEDUP_TARGET}x)`
            : `NOT met (${(1 / ratio).toFixed(1)}x faster < ${MAX_SPEEDUP_TARGET}x)`,
      ),
      run: (round) => (restore(), build(engine(`max-r${round}`), max, `bench/s${index}-max`)),
    },
    {
      row: row('maxl', 'MAX, new agent, empty store, a file not copied changed', 'cold'),
      run: (round) => (
        restore(),
        touchUnseen(`maxl ${round}`),
        build(engine(`maxl-r${round}`), max, `bench/s${index}-max`)
      ),
    },
    {
      row: row('late', 'one late line changed, same agent', 'cold'),
      run: (round) => {
        writeFileSync(dockerfilePath, subject.lateChange(original, round));
        return build(sameAgent, min(false), `bench/s${index}`);
      },
    },
  ];
  const once: Case[] = [
    {
      row: row('fill', 'MAX, first build: cold + push of the step images', 'cold'),
      run: () => (restore(), build(filler, max, `bench/s${index}-max`)),
    },
  ];
  return { cases, once };
}

async function runSubject(
  s: BenchSession,
  subject: Subject,
  index: number,
  base: string,
  runs: number,
): Promise<Row[]> {
  console.error(`\n${subject.name}`);
  const { cases, once } = subjectCases(s, subject, index, base);
  const [cold, warm, layers, max, maxl, late] = cases as [Case, Case, Case, Case, Case, Case];
  for (const c of once) await runOnce(s, c, 0);
  // cold, then warm right after it (warm needs the store cold just filled), then the others; late comes last
  // in a round so that the next round's cold starts from the unchanged Dockerfile.
  for (let round = 1; round <= runs; round++) {
    await runOnce(s, cold, round);
    await runOnce(s, warm, round);
    await runOnce(s, layers, round);
    await runOnce(s, max, round);
    await runOnce(s, maxl, round);
    await runOnce(s, late, round);
  }
  return [cold, warm, layers, ...once, max, maxl, late].map((c) => c.row);
}

function report(tables: Array<{ name: string; rows: Row[] }>, startLoad: string): void {
  const lines = ['', startLoad, `${describeLoad('end')}  (includes this benchmark's own builds)`];
  for (const t of tables) {
    lines.push('', t.name, formatTable(t.rows));
    for (const r of t.rows) {
      const notes = [...new Set(r.samples.map((x) => x.note).filter(Boolean)), ...r.failures.map((f) => `FAILED ${f}`)];
      if (notes.length) lines.push(`  ${r.id}: ${notes.join('; ')}`);
    }
    const cold = median(t.rows.find((r) => r.id === 'cold')?.samples.map((x) => x.wallS) ?? []);
    for (const id of ['max', 'maxl']) {
      const t2 = median(t.rows.find((r) => r.id === id)?.samples.map((x) => x.wallS) ?? []);
      if (cold > 0 && t2 > 0) lines.push(`  ${id}: ${(cold / t2).toFixed(1)}x faster than cold`);
    }
  }
  lines.push(
    '',
    `others CPU = cores used on average by other processes during a run (max over the runs); LOADED = above ${BUSY_OTHERS_CORES}.`,
  );
  console.log(lines.join('\n'));
}

const runs = parseRuns(process.argv.slice(2));
process.exitCode = await benchMain('cache', async (s, startLoad) => {
  s.registry = await startOpenRegistry(join(s.work, 'registry'));
  const base = await ensureBusyboxBase(s.registry.host);
  console.error(
    `registry ${s.registry.host} (pid ${s.registry.pid}), base ${base}, work dir ${s.work}, ${runs} runs per case`,
  );
  const tables: Array<{ name: string; rows: Row[] }> = [];
  for (const [index, subject] of SUBJECTS.entries())
    tables.push({ name: subject.name, rows: await runSubject(s, subject, index, base, runs) });
  report(tables, startLoad);
});
