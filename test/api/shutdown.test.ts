import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ADMIN_TOKEN, startApi } from '../support/api-harness.js';
import { seedRunnablePipeline } from '../support/runnable-pipeline.js';

/**
 * A graceful stop: close() ends an agent's long-poll at once (204, the connection closed so the agent claims
 * elsewhere) and a live log stream with a reconnect hint, then returns; /readyz said 200 before.
 */
const work = mkdtempSync(join(tmpdir(), 'archway-shutdown-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

it('answers long-polls and ends log streams with a reconnect hint when it shuts down', async () => {
  const api = await startApi({ ARCHWAY_BUILTIN_AGENT: '0' }, { listen: true, claimWaitMs: 20_000 });
  const { P, pipeline } = await seedRunnablePipeline(api, work);
  const run = await api.post(`${P}/${pipeline}/executions`, {});
  const hex = run.body.action_executions[0].action_execution_id as string;
  expect((await api.get('/readyz', null)).body.status).toBe('ready');

  // The run's job is queued and nobody claims it: an agent of another workspace waits in a long-poll.
  const { token } = await api.core.useCases.agentJobs.registerAgent('elsewhere', [], 'elsewhere', []);
  const claim = fetch(`${api.baseUrl}/agent/v1/jobs/claim`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{}',
  });
  const stream = await fetch(
    `${api.baseUrl}${P}/${pipeline}/executions/${run.body.id}/action_executions/${hex}/stream`,
    {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    },
  );
  expect(stream.status).toBe(200);
  await new Promise((r) => setTimeout(r, 300)); // both are waiting now

  const closing = Date.now();
  await api.close();
  const closedMs = Date.now() - closing;
  const answer = await claim;
  console.log(`claim answered ${Date.now() - closing} ms after close began`);
  expect(answer.status).toBe(204);
  expect(answer.headers.get('connection')).toBe('close');
  const text = await stream.text();
  console.log(`stream ended ${Date.now() - closing} ms after close began`);
  expect(text).toMatch(/retry: 1000\nevent: reconnect\ndata: \{"offset":\d+\}/);
  expect(text).not.toMatch(/event: end/);
  console.log(`graceful close with a long-poll and a log stream open: ${closedMs} ms`);
  expect(closedMs).toBeLessThan(3_000); // the long-poll alone would have held it 20 s
});

it('is gone at once after an agent hung up on its long-poll (Node 20 alone left the next keep-alive connection open)', async () => {
  const api = await startApi({ ARCHWAY_BUILTIN_AGENT: '0' }, { listen: true, claimWaitMs: 20_000 });
  const { token } = await api.core.useCases.agentJobs.registerAgent('hangs-up', [], 'hangs-up', []);
  const hangUp = new AbortController();
  const claim = fetch(`${api.baseUrl}/agent/v1/jobs/claim`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{}',
    signal: hangUp.signal,
  }).catch(() => 'hung up');
  await new Promise((r) => setTimeout(r, 200));
  hangUp.abort();
  expect(await claim).toBe('hung up');
  // A keep-alive connection opened after the hang-up, idle when close() begins.
  expect((await fetch(`${api.baseUrl}/healthz`)).status).toBe(200);
  await new Promise((r) => setTimeout(r, 100));
  const closing = Date.now();
  await api.close();
  expect(Date.now() - closing).toBeLessThan(2_000); // without closeIdleConnectionsOnClose: the client's keep-alive, 4 s and more
});
