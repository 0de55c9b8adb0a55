import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startApi, type Api } from '../support/api-harness.js';
import { startPostgres } from '../support/postgres.js';
import { seedRunnablePipeline } from '../support/runnable-pipeline.js';

/**
 * Replicas of the scaled mode in one test process: each a whole server (its own pool, LISTEN connection, clock,
 * sweeper) on one throw-away PostgreSQL database, driven over its HTTP pipeline.
 */
const server = await startPostgres();
const KEY = 'a'.repeat(64);

if (server) {
  afterAll(() => server.stop());
  const replicas = (url: string, env: Record<string, string>, n = 2) =>
    Promise.all(
      Array.from({ length: n }, () =>
        startApi({ ARCHWAY_DATABASE_URL: url, ARCHWAY_SECRET_KEY: KEY, ...env }, { claimWaitMs: 10_000 }),
      ),
    );
  const countOf = async (url: string, table: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
    } finally {
      await client.end();
    }
  };

  describe(`replicas on one PostgreSQL (${server.origin})`, () => {
    it('two started at the same moment on an empty database both come up, with one admin and the bootstrap token working on both', async () => {
      const db = await server.freshDatabase();
      const [a, b] = await replicas(db.url, {});
      try {
        expect(await countOf(db.url, 'users')).toBe(1);
        expect(await countOf(db.url, 'tokens')).toBe(1);
        for (const r of [a!, b!]) {
          expect((await r.get('/workspaces')).status).toBe(200);
          const ready = await r.get('/readyz', null);
          expect(ready.status).toBe(200);
          expect(ready.body).toEqual({
            status: 'ready',
            checks: { database: 'ok', migrations: 'ok', notifications: 'ok' },
          });
        }
        expect((await a!.post('/workspaces', { domain: 'acme', name: 'Acme' })).status).toBe(201);
        expect((await b!.get('/workspaces/acme')).body.domain).toBe('acme');
      } finally {
        await Promise.all([a!.close(), b!.close()]);
        await db.drop();
      }
    });

    it('two started at once without a bootstrap token make one admin token between them (printed by one)', async () => {
      const db = await server.freshDatabase();
      const started = await replicas(db.url, { ARCHWAY_BOOTSTRAP_TOKEN: '' });
      const [a, b] = started as [Api, Api];
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        expect(await countOf(db.url, 'users')).toBe(1);
        expect(await countOf(db.url, 'tokens')).toBe(1);
        // Start-ups queue behind the migration lock, which hides the race: the bootstrap itself, at one moment.
        for (let round = 0; round < 10; round++) {
          await client.query('DELETE FROM tokens; DELETE FROM users');
          const made = await Promise.all([a, b].map((r) => r.core.useCases.tokens.bootstrap(undefined)));
          expect(made.filter((m) => m.createdValue).length).toBe(1);
          expect(await countOf(db.url, 'users')).toBe(1);
          expect(await countOf(db.url, 'tokens')).toBe(1);
        }
      } finally {
        await client.end();
        await Promise.all(started.map((r) => r.close()));
        await db.drop();
      }
    });

    describe('a job queued through replica A', () => {
      let a: Api, b: Api, work: string, drop: () => Promise<void>;
      afterAll(async () => {
        await Promise.all([a?.close(), b?.close()]);
        await drop?.();
        if (work) rmSync(work, { recursive: true, force: true });
      });

      it('wakes an agent long-polling replica B within milliseconds (not its 1 s re-poll)', async () => {
        const db = await server.freshDatabase();
        drop = () => db.drop();
        [a, b] = (await replicas(db.url, {})) as [Api, Api];
        work = mkdtempSync(join(tmpdir(), 'archway-replicas-'));
        const { P, pipeline } = await seedRunnablePipeline(a, work);
        const { token } = await b.core.useCases.agentJobs.registerAgent('remote', [], 'remote');
        const wakes: number[] = [];
        for (let i = 0; i < 5; i++) {
          const claim = b.inject({
            method: 'POST',
            url: '/agent/v1/jobs/claim',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            payload: '{}',
          });
          await new Promise((r) => setTimeout(r, 300)); // the claim is waiting on B
          const run = await a.post(`${P}/${pipeline}/executions`, {});
          expect(run.status).toBe(200);
          const queuedAt = performance.now();
          const answer = await claim;
          wakes.push(performance.now() - queuedAt);
          expect(answer.statusCode).toBe(200);
          const job = JSON.parse(answer.body) as { jobId: number; attempt: number };
          const finish = await b.inject({
            method: 'POST',
            url: `/agent/v1/jobs/${job.jobId}/finish`,
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            payload: JSON.stringify({ attempt: job.attempt, status: 'SUCCESSFUL' }),
          });
          expect(finish.statusCode).toBe(204);
          for (let t = 0; t < 100; t++) {
            const status = (await a.get(`${P}/${pipeline}/executions/${run.body.id}`)).body.status;
            if (status === 'SUCCESSFUL') break;
            await new Promise((r) => setTimeout(r, 20));
          }
        }
        console.log(`claim on B woken by a job queued on A: ${wakes.map((w) => w.toFixed(0)).join(', ')} ms`);
        // The claim loop re-polls every second: five wakes all under 300 ms by luck is 0.3^5 < 0.3 %.
        for (const w of wakes) expect(w).toBeLessThan(300);
        expect(await countOf(db.url, 'jobs')).toBe(5);
      });
    });
  });
} else {
  describe.skip('replicas on PostgreSQL (set TEST_DATABASE_URL or install the postgresql package)', () => {
    it('runs when a server is at hand', () => {});
  });
}
