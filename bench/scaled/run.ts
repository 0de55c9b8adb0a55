/**
 * The scaled mode's wake-ups between replicas: two Archway servers (each with its own pool, LISTEN connection and
 * clock) on one throw-away PostgreSQL, in this process; an agent served by replica B.
 * - claim wake-up: from replica A answering `POST …/executions` to B answering the agent's waiting claim;
 * - cross-replica log: from B answering an agent's log batch to the line arriving on a live stream served by A.
 * `npm run bench:scaled`; BENCH_RUNS (default 50 claims; 4x as many log lines). Prints p50/p99 in milliseconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ADMIN_TOKEN, startApi, type Api } from '../../test/support/api-harness.js';
import { startPostgres } from '../../test/support/postgres.js';
import { seedRunnablePipeline } from '../../test/support/runnable-pipeline.js';
import { reportLatency } from '../shared/latency.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 50);

async function main(): Promise<void> {
  const server = await startPostgres();
  if (!server) throw new Error('no PostgreSQL: install the postgresql package or set TEST_DATABASE_URL');
  const db = await server.freshDatabase();
  const work = mkdtempSync(join(tmpdir(), 'archway-bench-scaled-'));
  const env = { ARCHWAY_DATABASE_URL: db.url, ARCHWAY_SECRET_KEY: 'b'.repeat(64) };
  let a: Api | undefined, b: Api | undefined;
  try {
    a = await startApi(env, { listen: true, claimWaitMs: 10_000 });
    b = await startApi(env, { claimWaitMs: 10_000 });
    const { P, pipeline } = await seedRunnablePipeline(a, work);
    const { token } = await b.core.useCases.agentJobs.registerAgent('bench', [], 'bench');
    const agent = (path: string, body: unknown) =>
      b!.inject({
        method: 'POST',
        url: `/agent/v1/jobs${path}`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });

    const wakes: number[] = [];
    const logs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const claim = agent('/claim', {});
      await new Promise((r) => setTimeout(r, 50)); // the claim waits on B
      const run = await a.post(`${P}/${pipeline}/executions`, {});
      const queuedAt = performance.now();
      const job = JSON.parse((await claim).body) as { jobId: number; attempt: number };
      wakes.push(performance.now() - queuedAt);

      if (i < 4) {
        // The log of this run, streamed from A while the agent sends it to B one line at a time.
        const hex = run.body.action_executions[0].action_execution_id as string;
        const res = await fetch(
          `${a.baseUrl}${P}/${pipeline}/executions/${run.body.id}/action_executions/${hex}/stream`,
          { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
        );
        const reader = res.body!.getReader();
        const decoder = new TextDecoder();
        let buffered = '';
        const nextLine = async (want: string) => {
          for (;;) {
            if (buffered.includes(want)) return;
            const { value, done } = await reader.read();
            if (done) throw new Error('the stream ended');
            buffered += decoder.decode(value, { stream: true });
          }
        };
        for (let n = 0; n < RUNS; n++) {
          await agent(`/${job.jobId}/logs`, { attempt: job.attempt, offset: n, lines: [`line ${i}-${n}`] });
          const sentAt = performance.now();
          await nextLine(`"line ${i}-${n}"`);
          logs.push(performance.now() - sentAt);
        }
        await reader.cancel();
      }
      await agent(`/${job.jobId}/finish`, { attempt: job.attempt, status: 'SUCCESSFUL' });
      for (;;) {
        if ((await a.get(`${P}/${pipeline}/executions/${run.body.id}`)).body.status === 'SUCCESSFUL') break;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    console.log(
      'slow wakes (iteration: ms):',
      wakes.flatMap((w, i) => (w > 100 ? [`${i}: ${w.toFixed(0)}`] : [])).join(', ') || 'none',
    );
    reportLatency('claim wake-up (queued on A, B)', wakes);
    reportLatency('log line (sent to B, streamed by A)', logs);
  } finally {
    await Promise.all([a?.close(), b?.close()]);
    await db.drop();
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
