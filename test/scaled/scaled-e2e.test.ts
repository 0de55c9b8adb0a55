import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChild } from '../../src/process/child.js';
import type { LocalRegistry } from '../../src/registry-server/local-registry.js';
import { ensureBusyboxBase } from '../support/busybox-base.js';
import { freePort } from '../support/free-port.js';
import { startPostgres } from '../support/postgres.js';
import { startOpenRegistry } from '../support/registry.js';
import { initDockerfileRepo } from '../support/runnable-pipeline.js';
import { followEvents } from '../support/sse-follow.js';
import { ADMIN_TOKEN } from '../support/api-harness.js';
import { startCli, startServerProcess, type CliProcess, type ServerProcess } from '../support/server-process.js';

/**
 * The scaled mode end to end, every part real: a throw-away PostgreSQL, two `archway serve` replicas, two
 * `archway agent`s (one on each replica), buildah builds pushed to a registry on 127.0.0.1. Resources are made
 * through replica A, runs asked of replica B; cancels and live logs are asked of the replica that does not serve
 * the agent doing the work.
 */
const postgres = await startPostgres();
const LEASE_SECONDS = 3; // the agents heartbeat every lease/3 = 1 s
const HEARTBEAT_MS = (LEASE_SECONDS * 1000) / 3;
const FINISHED = ['SUCCESSFUL', 'FAILED', 'TERMINATED'];

if (postgres) {
  describe(`scaled mode end to end: two replicas, two agents, real builds (${postgres.origin})`, () => {
    let work: string;
    let registry: LocalRegistry;
    let base: string;
    let db: { url: string; drop(): Promise<void> };
    let sql: pg.Client;
    let a: ServerProcess;
    let b: ServerProcess;
    const agents: CliProcess[] = [];
    /** agent id -> the replica it talks to */
    const servedBy = new Map<string, ServerProcess>();

    /** A project (in its own repository) with one pipeline of one build action; returns the pipeline's path. */
    async function pipelineBuilding(name: string, dockerfile: string): Promise<{ path: string; id: number }> {
      const repo = join(work, `repo-${name}`);
      initDockerfileRepo(repo, dockerfile);
      expect(
        (await a.call('POST', '/workspaces/acme/projects', { display_name: name, custom_repo_url: repo })).status,
      ).toBe(201);
      const pipelines = `/workspaces/acme/projects/${name}/pipelines`;
      const id = (await a.call('POST', pipelines, { name })).body.id as number;
      const action = await a.call('POST', `${pipelines}/${id}/actions`, {
        type: 'DOCKER_BUILD_MULTI_ARCH',
        name: 'build',
        repository: `${registry.host}/team/${name}`,
        // Each run builds something new: two runs of one revision on one agent would otherwise be one build,
        // the second finding the first's index already under the tag (the unchanged-build reuse) and pushing nothing.
        build_args: ['RUN_ID=$BUDDY_EXECUTION_ID'],
      });
      expect(action.status, JSON.stringify(action.body)).toBe(201);
      return { path: `${pipelines}/${id}`, id };
    }

    async function waitFinished(server: ServerProcess, url: string, ms = 120_000) {
      for (const end = Date.now() + ms; ; await sleep(100)) {
        const e = (await server.call('GET', url)).body;
        if (FINISHED.includes(e.status)) return e;
        if (Date.now() > end) throw new Error(`${url} unfinished after ${ms} ms: ${JSON.stringify(e)}`);
      }
    }

    /** The agent that holds the execution's job once one has claimed it, and the replica serving that agent. */
    async function claimedBy(executionId: number): Promise<{ serving: ServerProcess; other: ServerProcess }> {
      for (const end = Date.now() + 60_000; ; await sleep(50)) {
        const { rows } = await sql.query<{ agent_id: string | null }>(
          'SELECT agent_id FROM jobs WHERE execution_id = $1 AND agent_id IS NOT NULL',
          [executionId],
        );
        const serving = rows[0]?.agent_id ? servedBy.get(rows[0].agent_id) : undefined;
        if (serving) return { serving, other: serving === a ? b : a };
        if (Date.now() > end) throw new Error(`execution ${executionId} not claimed within 60 s`);
      }
    }

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'archway-scaled-e2e-'));
      registry = await startOpenRegistry(join(work, 'registry'));
      base = await ensureBusyboxBase(registry.host);
      db = await postgres.freshDatabase();
      sql = new pg.Client({ connectionString: db.url });
      const env = {
        ARCHWAY_DATABASE_URL: db.url,
        ARCHWAY_SECRET_KEY: 'e'.repeat(64),
        ARCHWAY_AGENT_LEASE_SECONDS: String(LEASE_SECONDS),
        ARCHWAY_INSECURE_REGISTRIES: registry.host,
      };
      const replica = async (name: string) =>
        startServerProcess({
          port: await freePort(),
          dataDir: join(work, `data-${name}`),
          repoRoot: work,
          env,
          logFile: join(work, `${name}.log`),
        });
      [a, b] = await Promise.all([replica('a'), replica('b')]);
      await sql.connect();
      expect((await a.call('POST', '/workspaces', { domain: 'acme', name: 'Acme' })).status).toBe(201);
      for (const [i, server] of [a, b].entries()) {
        const agent = (await a.call('POST', '/agent/v1/agents', { name: `agent-${i}` })).body;
        servedBy.set(agent.id, server);
        agents.push(
          startCli(
            ['agent', '--server', server.url],
            { ...env, ARCHWAY_AGENT_TOKEN: agent.token, ARCHWAY_DATA_DIR: join(work, `agent-${i}`) },
            join(work, `agent-${i}.log`),
          ),
        );
      }
    }, 240_000);

    afterAll(async () => {
      await Promise.all(agents.map((g) => g.stop()));
      await Promise.all([a?.stop(), b?.stop()]);
      await sql?.end();
      await db?.drop();
      await registry?.stop();
      await postgres.stop();
      rmSync(work, { recursive: true, force: true });
    });

    it('runs every build once: SUCCESSFUL, one job per action execution, one push per run, no overlap', async () => {
      const pipelines = await Promise.all(
        ['p0', 'p1', 'p2'].map((name) =>
          pipelineBuilding(name, `FROM ${base}\nARG RUN_ID\nRUN echo built ${name} $RUN_ID\n`),
        ),
      );
      const pushesBefore = (await registry.accessLog()).length;
      // Two runs of each pipeline, all asked of B at once (the second of each waits for the first).
      const runs = await Promise.all(
        pipelines.flatMap((p) =>
          [0, 1].map(async () => ({ p, run: await b.call('POST', `${p.path}/executions`, {}) })),
        ),
      );
      expect(runs.map((r) => r.run.status)).toEqual(Array(6).fill(200));
      const done = await Promise.all(runs.map(({ p, run }) => waitFinished(b, `${p.path}/executions/${run.body.id}`)));
      for (const e of done) expect(e.status, JSON.stringify(e.action_executions[0])).toBe('SUCCESSFUL');

      const jobs = await sql.query<{ action_execution_id: number; n: string }>(
        'SELECT action_execution_id, COUNT(*) AS n FROM jobs WHERE pipeline_id = ANY($1) GROUP BY action_execution_id',
        [pipelines.map((p) => p.id)],
      );
      expect(jobs.rows.map((r) => Number(r.n))).toEqual(Array(6).fill(1));
      const agentsUsed = await sql.query<{ agent_id: string }>(
        'SELECT DISTINCT agent_id FROM jobs WHERE pipeline_id = ANY($1)',
        [pipelines.map((p) => p.id)],
      );
      console.log(`6 runs built by ${agentsUsed.rows.length} agents`);

      // One push of the image (its tag) per run, on each pipeline's repository.
      const tagPuts = (await registry.accessLog())
        .slice(pushesBefore)
        .filter((e) => e.method === 'PUT' && e.status === 201 && /\/manifests\/latest$/.test(e.target));
      for (const p of ['p0', 'p1', 'p2'])
        expect(tagPuts.filter((e) => e.target === `/v2/team/${p}/manifests/latest`).length).toBe(2);

      // Runs of one pipeline one after the other: the second starts when the first has finished.
      for (const p of pipelines) {
        const list = (await a.call('GET', `${p.path}/executions`)).body.executions as {
          start_date: string;
          finish_date: string;
        }[];
        const [first, second] = [...list].sort((x, y) => x.start_date.localeCompare(y.start_date));
        expect(list).toHaveLength(2);
        expect(Date.parse(second!.start_date)).toBeGreaterThanOrEqual(Date.parse(first!.finish_date));
      }
    }, 300_000);

    it('stops a build within the heartbeat interval when the CANCEL goes to the replica not serving its agent', async () => {
      const nap = 59; // a number no other test sleeps for: the build's own process is found by it
      const p = await pipelineBuilding('held', `FROM ${base}\nRUN echo nap-started && sleep ${nap}\n`);
      const run = await b.call('POST', `${p.path}/executions`, {});
      const url = `${p.path}/executions/${run.body.id}`;
      const { other } = await claimedBy(run.body.id);
      const hex = run.body.action_executions[0].action_execution_id as string;
      for (const end = Date.now() + 120_000; ; await sleep(100)) {
        const log = (await other.call('GET', `${url}/action_executions/${hex}`)).body?.log as string[] | undefined;
        if (log?.some((l) => l.endsWith('nap-started'))) break;
        if (Date.now() > end) throw new Error('the build never reached its sleep');
      }
      const sleeping = async () => (await runChild(['pgrep', '-f', `sleep ${nap}`])).stdout.trim() !== '';
      expect(await sleeping()).toBe(true);

      const cancelledAt = Date.now();
      expect((await other.call('PATCH', url, { operation: 'CANCEL' })).status).toBe(200);
      while (await sleeping()) {
        if (Date.now() - cancelledAt > 10_000) throw new Error('the build still runs 10 s after the cancel');
        await sleep(20);
      }
      const stoppedMs = Date.now() - cancelledAt;
      const ended = await waitFinished(other, url, 30_000);
      const endedMs = Date.now() - cancelledAt;
      console.log(
        `cancel via the other replica: build process gone after ${stoppedMs} ms, run ${ended.status} after ${endedMs} ms (heartbeat ${HEARTBEAT_MS} ms)`,
      );
      expect(ended.status).toBe('TERMINATED');
      // The agent hears of the cancel in its next heartbeat's answer; killing the build's processes takes a moment.
      expect(stoppedMs).toBeLessThan(HEARTBEAT_MS + 1_000);
    }, 180_000);

    it("streams each log line and the end on the replica not serving the agent within 1 s of the serving one's", async () => {
      const p = await pipelineBuilding(
        'ticks',
        `FROM ${base}\nRUN sleep 2; for i in 1 2 3 4 5 6 7 8; do echo tick-$i; sleep 0.4; done\n`,
      );
      const run = await b.call('POST', `${p.path}/executions`, {});
      const { serving, other } = await claimedBy(run.body.id);
      const hex = run.body.action_executions[0].action_execution_id as string;
      const stream = `${p.path}/executions/${run.body.id}/action_executions/${hex}/stream`;
      const [near, far] = await Promise.all(
        [serving, other].map((server) => followEvents(`${server.url}${stream}`, ADMIN_TOKEN)),
      );
      await Promise.all([near!.ended, far!.ended]);
      // The stream ends with its action; the execution's own end is the next step, a moment later (a clean-clone CI
      // run on a loaded machine once read INPROGRESS right after the stream's end): it must come, soon.
      expect((await waitFinished(other, `${p.path}/executions/${run.body.id}`, 10_000)).status).toBe('SUCCESSFUL');

      const key = (e: { event: string; id?: string }) => `${e.event}:${e.id ?? ''}`;
      expect(far!.events.map(key)).toEqual(near!.events.map(key));
      const ticks = near!.events.filter((e) => /tick-\d"$/.test(e.data));
      expect(ticks).toHaveLength(8);
      const lags = near!.events.map((e, i) => far!.events[i]!.at - e.at);
      const end = near!.events.length - 1;
      console.log(
        `live log on the other replica: ${lags.length} events, lag max ${Math.max(...lags)} ms, end ${lags[end]} ms`,
      );
      expect(near!.events[end]!.event).toBe('end');
      expect(far!.events[end]!.data).toBe('{"status":"SUCCESSFUL"}');
      for (const lag of lags) expect(lag).toBeLessThan(1_000);
    }, 180_000);
  });
} else {
  describe.skip('scaled mode end to end (set TEST_DATABASE_URL or install the postgresql package)', () => {
    it('runs when a server is at hand', () => {});
  });
}
