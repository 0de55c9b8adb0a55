/**
 * API throughput: create-action and get-action against Archway (embedded SQLite, in this process, a bootstrap
 * token) side by side with a bare Fastify + better-sqlite3 server, under autocannon (a child process, so the
 * load generator does not share the servers' event loop). `npm run bench:api`; BENCH_SECONDS (default 10, per
 * server and scenario), BENCH_ROUNDS (default 2), BENCH_CONNECTIONS (default 50).
 * Targets: create >= 0.5x and get >= 0.6x of bare; Archway p99 < 10 ms.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createServer } from '../../src/cli/compose.js';
import { loadConfig } from '../../src/config/config.js';
import { startBare } from './bare.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const WARMUP_SECONDS = 2;
const TOKEN = 'bench-token-0123456789abcdef';
const P99_TARGET_MS = 10;

/** The seed's request body (../shared/seed), verbatim. */
const SEED_BODY = JSON.stringify({
  name: 'Build multi-arch image',
  type: 'DOCKER_BUILD_MULTI_ARCH',
  build_args: ['key=value'],
  dockerfile_path: 'Dockerfile',
  context_path: '/contextPath',
  target_stage: '$targetStage',
  secret_id: '$secretId',
  secret_src: '$path_to_secret',
  target_platform: 'linux/amd64,linux/arm64',
});

interface Load {
  url: string;
  method: 'GET' | 'POST';
  body?: string;
  token?: string;
}
interface Result {
  rps: number;
  p99: number;
  p50: number;
  requests: number;
  non2xx: number;
  errors: number;
}

const run = promisify(execFile);
const autocannonBin = createRequire(import.meta.url).resolve('autocannon');

async function fire(load: Load, seconds: number): Promise<Result> {
  const args = [autocannonBin, '-j', '-c', String(CONNECTIONS), '-d', String(seconds), '-m', load.method];
  if (load.token) args.push('-H', `Authorization=Bearer ${load.token}`);
  if (load.body) args.push('-H', 'Content-Type=application/json', '-b', load.body);
  const { stdout } = await run(process.execPath, [...args, load.url], { maxBuffer: 64 << 20 });
  const r = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
  return {
    rps: r.requests.average,
    p99: r.latency.p99,
    p50: r.latency.p50,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

/**
 * Bare and Archway in alternating rounds (bare, archway, archway, bare, ...), so drift in what else the machine
 * is doing lands on both; req/s over all rounds, p99 the worst round's.
 */
async function compare(name: string, bare: Load, archway: Load): Promise<{ bare: Result; archway: Result }> {
  await fire(bare, WARMUP_SECONDS);
  await fire(archway, WARMUP_SECONDS);
  const runs: Record<'bare' | 'archway', Result[]> = { bare: [], archway: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? (['bare', 'archway'] as const) : (['archway', 'bare'] as const);
    for (const who of order) {
      const result = await fire(who === 'bare' ? bare : archway, SECONDS / ROUNDS);
      if (result.non2xx || result.errors)
        throw new Error(
          `${name} (${who}): ${result.non2xx} non-2xx responses and ${result.errors} errors; the figures would lie.`,
        );
      console.error(`  ${name} ${who} round ${round + 1}: ${result.rps.toFixed(0)} req/s, p99 ${result.p99} ms`);
      runs[who].push(result);
    }
  }
  const merge = (list: Result[]): Result => ({
    rps: list.reduce((n, r) => n + r.rps, 0) / list.length,
    p99: Math.max(...list.map((r) => r.p99)),
    p50: Math.max(...list.map((r) => r.p50)),
    requests: list.reduce((n, r) => n + r.requests, 0),
    non2xx: 0,
    errors: 0,
  });
  return { bare: merge(runs.bare), archway: merge(runs.archway) };
}

async function json(url: string, method: string, body?: unknown): Promise<any> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Archway as `archway serve` composes it (no request logging, like the bare server), with the seed's pipeline. */
async function startArchway(dir: string) {
  const config = loadConfig({
    ARCHWAY_DATA_DIR: join(dir, 'archway'),
    ARCHWAY_BOOTSTRAP_TOKEN: TOKEN,
    ARCHWAY_PUBLIC_URL: 'https://ci.example.com',
    // The limiter stays on (every request counts), with a ceiling the benchmark does not reach; the built-in
    // registry (a docker-registry child process) has nothing to do with these routes.
    ARCHWAY_RATE_LIMIT: '10000000',
    ARCHWAY_BUILTIN_REGISTRY: '0',
  });
  const server = await createServer(config, false);
  const url = await server.app.listen({ port: 0, host: '127.0.0.1' });
  await json(`${url}/workspaces`, 'POST', { domain: 'buddy', name: 'Buddy' });
  await json(`${url}/workspaces/buddy/projects`, 'POST', { display_name: 'Company Website' });
  const pipeline = await json(`${url}/workspaces/buddy/projects/company-website/pipelines`, 'POST', { name: 'Build' });
  const actions = `${url}/workspaces/buddy/projects/company-website/pipelines/${pipeline.id}/actions`;
  const action = await json(actions, 'POST', SEED_BODY);
  return { actions, actionUrl: `${actions}/${action.id}`, close: () => server.app.close() };
}

interface Row {
  name: string;
  bare: Result;
  archway: Result;
  target: number;
}

/**
 * The mean latency follows from the throughput: with every connection waiting for its answer, it is
 * connections / (req/s) (Little's law). A p99 below 10 ms at 50 connections therefore needs well over
 * 5,000 req/s; the column shows how far a scenario's throughput allows it at all.
 */
const meanLatencyMs = (rps: number) => (CONNECTIONS / rps) * 1000;

function table(rows: Row[]): string {
  const head = [
    'scenario',
    'bare req/s',
    'bare p99',
    'archway req/s',
    'archway mean',
    'archway p99',
    'ratio',
    'target',
    'p99 < 10 ms',
    'verdict',
  ];
  const lines = rows.map((r) => {
    const ratio = r.archway.rps / r.bare.rps;
    const ok = ratio >= r.target && r.archway.p99 < P99_TARGET_MS;
    return [
      r.name,
      r.bare.rps.toFixed(0),
      `${r.bare.p99} ms`,
      r.archway.rps.toFixed(0),
      `${meanLatencyMs(r.archway.rps).toFixed(1)} ms`,
      `${r.archway.p99} ms`,
      `${ratio.toFixed(2)}x`,
      `>= ${r.target}x`,
      r.archway.p99 < P99_TARGET_MS ? 'yes' : 'NO',
      ok ? 'PASS' : 'MISS',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [fmt(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(fmt)].join('\n');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'archway-bench-'));
  const archway = await startArchway(dir);
  const bare = await startBare(dir);
  try {
    const bareAction = await json(`${bare.url}/actions`, 'POST', SEED_BODY);
    console.error(
      `autocannon: ${CONNECTIONS} connections, ${SECONDS} s per server and scenario in ${ROUNDS} alternating rounds (after ${WARMUP_SECONDS} s warm-up), Node ${process.version}`,
    );
    const rows: Row[] = [
      {
        name: 'create-action',
        target: 0.5,
        ...(await compare(
          'create-action',
          { url: `${bare.url}/actions`, method: 'POST', body: SEED_BODY },
          { url: archway.actions, method: 'POST', body: SEED_BODY, token: TOKEN },
        )),
      },
      {
        name: 'get-action',
        target: 0.6,
        ...(await compare(
          'get-action',
          { url: `${bare.url}/actions/${bareAction.id}`, method: 'GET' },
          { url: archway.actionUrl, method: 'GET', token: TOKEN },
        )),
      },
    ];
    console.log(table(rows));
  } finally {
    await archway.close();
    await bare.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
