import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXECUTION_CRASH_POINTS, type CrashPoint } from '../../src/app/crash-point.js';
import { freePort } from '../support/free-port.js';
import type { PostgresFixture } from '../support/postgres.js';
import { initDockerfileRepo } from '../support/runnable-pipeline.js';
import { startScriptedAgent } from '../support/scripted-agent.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const P = '/workspaces/acme/projects/site/pipelines';
const TERMINAL = ['SUCCESSFUL', 'FAILED', 'TERMINATED'];

/**
 * kill -9 at each step boundary, then a start of the same data: `archway serve` in a process of its own, armed with
 * ARCHWAY_CRASH_AT, and an agent speaking the protocol over HTTP (the server is what is under test). For each crash
 * point: the server dies at that point (SIGKILL, seen as its exit signal), a new one starts on the same database,
 * and every execution ends as it would have without the crash (cancelled runs TERMINATED, the others SUCCESSFUL),
 * no action execution is handed to the agent twice, and the pipeline runs again.
 */
export function crashPointSuite(dialect: 'sqlite' | 'postgres', postgres: () => PostgresFixture | undefined): void {
  describe(`kill -9 at each step boundary (${dialect})`, () => {
    let work: string;
    let repo: string;
    beforeAll(() => {
      work = mkdtempSync(join(tmpdir(), `archway-crash-${dialect}-`));
      repo = join(work, 'repo');
      initDockerfileRepo(repo);
    });
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    /** A call that may meet a server that just died: null instead of the connection error. */
    const attempt = (s: ServerProcess, method: string, path: string, body?: unknown) =>
      s.call(method, path, body).catch(() => null);

    async function executions(s: ServerProcess, pipeline: number) {
      const res = await s.call('GET', `${P}/${pipeline}/executions?per_page=100`);
      return res.body.executions as Array<{ id: number; status: string; action_executions: { status: string }[] }>;
    }

    async function untilEnded(s: ServerProcess, pipeline: number, ms: number) {
      for (const end = Date.now() + ms; ;) {
        const all = await executions(s, pipeline);
        if (all.length && all.every((e) => TERMINAL.includes(e.status))) return all;
        if (Date.now() > end)
          throw new Error(`still unfinished after ${ms / 1000} s: ${JSON.stringify(all)}\n${s.output()}`);
        await sleep(200);
      }
    }

    async function untilActionRuns(s: ServerProcess, pipeline: number, execution: number) {
      for (const end = Date.now() + 30_000; Date.now() < end; await sleep(100)) {
        const e = (await s.call('GET', `${P}/${pipeline}/executions/${execution}`)).body;
        if (e.action_executions[0].status === 'INPROGRESS') return;
      }
      throw new Error('the held action never started');
    }

    it.each(EXECUTION_CRASH_POINTS.map((p) => [p]))(
      'at %s: the next start ends every execution as it would have ended, none run twice',
      async (point: CrashPoint) => {
        const db = dialect === 'postgres' ? await postgres()!.freshDatabase() : null;
        const dataDir = join(work, `data-${point}`);
        const port = await freePort();
        // The parts' boundary is reached by a fanned-out build: two platforms, fanned out with one agent.
        const parts = point === 'part.finished';
        const env = {
          ARCHWAY_AGENT_LEASE_SECONDS: '3',
          ...(parts && { ARCHWAY_FANOUT: 'on' }),
          ...(db && { ARCHWAY_DATABASE_URL: db.url, ARCHWAY_SECRET_KEY: 'c'.repeat(64) }),
        };
        const start = (extra: Record<string, string> = {}) =>
          startServerProcess({
            port,
            dataDir,
            repoRoot: work,
            env: { ...env, ...extra },
            logFile: join(work, `server-${point}.log`),
          });
        let server = await start({ ARCHWAY_CRASH_AT: point });
        const agentToken = (await server.call('POST', '/agent/v1/agents', { name: 'scripted' })).body.token;
        const agent = startScriptedAgent({ servers: () => [server.url], token: agentToken, workMs: 100 });
        try {
          await server.call('POST', '/workspaces', { domain: 'acme', name: 'Acme' });
          await server.call('POST', '/workspaces/acme/projects', { display_name: 'Site', custom_repo_url: repo });
          const cancelling = point === 'cancel.recorded';
          const pipeline = (await server.call('POST', P, { name: 'p' })).body.id as number;
          for (const name of cancelling ? ['hold'] : ['first', 'second'])
            await server.call('POST', `${P}/${pipeline}/actions`, {
              type: 'DOCKER_BUILD_MULTI_ARCH',
              name,
              repository: 'r.example/x',
              ...(parts && { target_platform: 'linux/amd64,linux/arm64' }),
            });

          const first = await attempt(server, 'POST', `${P}/${pipeline}/executions`, {});
          if (cancelling) {
            await untilActionRuns(server, pipeline, first!.body.id);
            await attempt(server, 'PATCH', `${P}/${pipeline}/executions/${first!.body.id}`, {
              operation: 'CANCEL',
            });
          } else {
            await attempt(server, 'POST', `${P}/${pipeline}/executions`, {});
          }
          const crashed = await Promise.race([server.exited, sleep(30_000).then(() => null)]);
          expect(crashed, `the server did not reach ${point}:\n${server.output()}`).toEqual({
            code: null,
            signal: 'SIGKILL',
          });

          server = await start();
          const ended = await untilEnded(server, pipeline, 45_000);
          for (const e of ended) expect(e.status, JSON.stringify(e)).toBe(cancelling ? 'TERMINATED' : 'SUCCESSFUL');
          const ran = agent.claims.map((c) => `${c.actionExecutionId} ${c.part}`);
          if (parts)
            expect(new Set(agent.claims.map((c) => c.part))).toEqual(
              new Set(['PLATFORM linux/amd64', 'PLATFORM linux/arm64', 'INDEX']),
            );
          expect(new Set(ran).size, `handed out twice: ${JSON.stringify(agent.claims)}`).toBe(ran.length);

          // The pipeline is not blocked: a run after the restart goes through.
          const again = await server.call('POST', `${P}/${pipeline}/executions`, {});
          expect(again.status).toBe(200);
          if (cancelling) {
            await untilActionRuns(server, pipeline, again.body.id);
            await server.call('PATCH', `${P}/${pipeline}/executions/${again.body.id}`, { operation: 'CANCEL' });
          }
          const all = await untilEnded(server, pipeline, 30_000);
          expect(all.find((e) => e.id === again.body.id)?.status).toBe(cancelling ? 'TERMINATED' : 'SUCCESSFUL');
        } finally {
          await agent.stop();
          await server.stop();
          await db?.drop();
        }
      },
    );
  });
}
