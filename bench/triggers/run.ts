/**
 * Trigger latency and the cost of polling, on one embedded server (SQLite) in this process and real git
 * repositories on local disk:
 * - webhook: a commit, then a signed GitHub push delivery; from sending it to its 2xx answer (the run exists
 *   when the answer comes: the delivery polls the project's refs and starts the run inside the request);
 * - poll: a commit, then nothing: from the commit to the run appearing, with ARCHWAY_GIT_POLL_SECONDS=2;
 * - polling N projects (BENCH_PROJECTS, default 1000), each on a local bare repository of its own, all due at
 *   once: wall time of one round and the CPU it takes (this process and its `git ls-remote` children), first
 *   round (records the refs) and steady state; polls run one after another in a replica.
 * `npm run bench:triggers`; BENCH_RUNS (default 50 deliveries, 10 polled pushes). Local repositories: a remote
 * host adds its own round trip to every `git ls-remote`.
 */
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startApi, type Api } from '../../test/support/api-harness.js';
import { initDockerfileRepo } from '../../test/support/runnable-pipeline.js';
import { reportLatency } from '../shared/latency.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const PROJECTS = Number(process.env.BENCH_PROJECTS ?? 1000);
const SECRET = 'bench-webhook-secret-0123456789';

function commit(repo: string, n: number): string {
  writeFileSync(join(repo, `f${n}.txt`), String(n));
  execFileSync('git', ['-C', repo, 'add', '-A']);
  execFileSync('git', ['-C', repo, '-c', 'user.name=A', '-c', 'user.email=a@b.c', 'commit', '-qm', `c${n}`]);
  return execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD']).toString().trim();
}

/** CPU ms of this process and of its children that have exited (their `git ls-remote`s), from /proc. */
function cpuMs(): { self: number; children: number } {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  const tick = 10; // USER_HZ is 100 on Linux
  return {
    self: (Number(fields[11]) + Number(fields[12])) * tick,
    children: (Number(fields[13]) + Number(fields[14])) * tick,
  };
}

async function pushProject(api: Api, name: string, repo: string) {
  const made = await api.post('/workspaces/acme/projects', {
    display_name: name,
    custom_repo_url: repo,
    webhook_secret: SECRET,
  });
  if (made.status !== 201) throw new Error(`project: ${made.status} ${JSON.stringify(made.body)}`);
  const P = `/workspaces/acme/projects/${made.body.name}/pipelines`;
  const pipeline = await api.post(P, { name: 'p', events: [{ type: 'PUSH', refs: ['refs/heads/main'] }] });
  await api.post(`${P}/${pipeline.body.id}/actions`, {
    type: 'DOCKER_BUILD_MULTI_ARCH',
    name: 'b',
    repository: 'r.example/x',
  });
  return { name: made.body.name as string, path: `${P}/${pipeline.body.id}` };
}

const runCount = async (api: Api, path: string) =>
  (await api.get(`${path}/executions?per_page=100`)).body.executions.length as number;

async function webhookLatency(work: string): Promise<void> {
  const api = await startApi({ ARCHWAY_BUILTIN_AGENT: '0', ARCHWAY_GIT_POLL_SECONDS: '0' }, { listen: true });
  try {
    const repo = join(work, 'webhook-repo');
    initDockerfileRepo(repo);
    await api.post('/workspaces', { domain: 'acme', name: 'Acme' });
    const project = await pushProject(api, 'hooked', repo);
    const answers: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const after = commit(repo, i);
      const body = JSON.stringify({
        ref: 'refs/heads/main',
        before: '0'.repeat(40),
        after,
        repository: { clone_url: repo },
        pusher: { name: 'bench' },
      });
      const started = performance.now();
      const res = await fetch(`${api.baseUrl}/webhooks/git/acme/${project.name}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
        },
        body,
      });
      const answer = (await res.json()) as { runs_started?: number };
      answers.push(performance.now() - started);
      if (res.status !== 200 || answer.runs_started !== 1)
        throw new Error(`delivery ${i}: ${res.status} ${JSON.stringify(answer)}`);
    }
    if ((await runCount(api, project.path)) !== RUNS) throw new Error('not one run per delivery');
    reportLatency('webhook push → run (2xx answer)', answers);
  } finally {
    await api.close();
  }
}

async function pollLatency(work: string): Promise<void> {
  const api = await startApi({ ARCHWAY_BUILTIN_AGENT: '0', ARCHWAY_GIT_POLL_SECONDS: '2' });
  try {
    const repo = join(work, 'polled-repo');
    initDockerfileRepo(repo);
    await api.post('/workspaces', { domain: 'acme', name: 'Acme' });
    const project = await pushProject(api, 'polled', repo);
    // The first poll (within 2 s) only records the refs.
    await new Promise((r) => setTimeout(r, 2_500));
    const seen: number[] = [];
    const pushes = Math.min(RUNS, 10);
    for (let i = 0; i < pushes; i++) {
      commit(repo, i);
      const committed = performance.now();
      for (;;) {
        if ((await runCount(api, project.path)) === i + 1) break;
        if (performance.now() - committed > 10_000) throw new Error(`push ${i} not seen in 10 s`);
        await new Promise((r) => setTimeout(r, 20));
      }
      seen.push(performance.now() - committed);
    }
    reportLatency('polled push → run (every 2 s)', seen);
  } finally {
    await api.close();
  }
}

async function pollingCost(work: string): Promise<void> {
  let now = Date.now();
  const api = await startApi(
    // Making the projects takes 3 requests each: past the default 1,000 a minute of one token.
    { ARCHWAY_BUILTIN_AGENT: '0', ARCHWAY_GIT_POLL_SECONDS: '0', ARCHWAY_RATE_LIMIT: '1000000' },
    { clock: { now: () => new Date(now) } },
  );
  try {
    const seed = join(work, 'seed-repo');
    initDockerfileRepo(seed);
    await api.post('/workspaces', { domain: 'acme', name: 'Acme' });
    for (let i = 0; i < PROJECTS; i++) {
      const bare = join(work, `bare-${i}.git`); // a local bare repository of its own per project
      execFileSync('git', ['clone', '-q', '--bare', seed, bare]);
      await pushProject(api, `p${i}`, bare);
    }
    const poller = api.core.useCases.gitPoller;
    await poller.reconcile();
    let steadyCpu = 0;
    for (const round of ['first (records)', 'steady']) {
      now += 61_000; // past every project's next poll (the interval is 60 s)
      const cpu = cpuMs();
      const started = performance.now();
      let ticks = 0;
      for (;;) {
        const { failed } = await poller.tick();
        ticks++;
        if (failed.length) throw new Error(`polls failed: ${String(failed[0]!.error)}`);
        if (!(await api.core.store.gitRefs.duePolls(new Date(now), 1)).length) break;
      }
      const wall = performance.now() - started;
      const used = cpuMs();
      steadyCpu = used.self - cpu.self + (used.children - cpu.children);
      console.log(
        `poll ${PROJECTS} projects, ${round}`.padEnd(34) +
          ` wall ${wall.toFixed(0)} ms (${(wall / PROJECTS).toFixed(2)} ms a project, ${ticks} ticks)` +
          `  cpu: server ${used.self - cpu.self} ms, git ${used.children - cpu.children} ms`,
      );
    }
    console.log(
      `  every 60 s (the default): ${((100 * steadyCpu) / 60_000).toFixed(1)}% of one core for ${PROJECTS} projects`,
    );
  } finally {
    await api.close();
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'archway-bench-triggers-'));
  try {
    await webhookLatency(work);
    await pollLatency(work);
    await pollingCost(work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
