import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { startApi } from '../support/api-harness.js';
import { seedRunnablePipeline } from '../support/runnable-pipeline.js';

/**
 * One `* * * * *` schedule on the server's own loop and the wall clock: the run appears within a second or two of
 * the minute. Its own file, so that its wait (up to a minute) overlaps the other files' work instead of adding to it.
 */
it('a `* * * * *` schedule runs at the next minute, on the real clock, once', async () => {
  const api = await startApi({ ARCHWAY_BUILTIN_AGENT: '0', ARCHWAY_GIT_POLL_SECONDS: '0' });
  const work = mkdtempSync(join(tmpdir(), 'archway-cron-'));
  try {
    const { P, pipeline } = await seedRunnablePipeline(api, work);
    const path = `${P}/${pipeline}`;
    const set = await api.patch(path, { events: [{ type: 'SCHEDULE', cron: '* * * * *' }] });
    expect(set.status).toBe(200);
    const tick = Date.parse(set.body.events[0].next_run_date as string);
    expect(tick % 60_000).toBe(0);
    expect(tick - Date.now()).toBeGreaterThan(0);
    expect(tick - Date.now()).toBeLessThanOrEqual(60_000);
    const runs = async () => (await api.get(`${path}/executions`)).body.executions as any[];
    while ((await runs()).length === 0) {
      if (Date.now() > tick + 6_000) throw new Error('no run 6 s after the minute');
      await sleep(100);
    }
    const lateMs = Date.now() - tick;
    console.log(`* * * * *: run seen ${lateMs} ms after the minute`);
    expect(lateMs).toBeGreaterThanOrEqual(0);
    expect(lateMs).toBeLessThan(3_500); // the loop looks every second; resolving the revision and a busy CI add to it
    const [run] = await runs();
    expect(run.trigger).toEqual({ type: 'SCHEDULE', ref: 'refs/heads/main', by: null });
    expect(Date.parse((await api.get(path)).body.next_run_date as string)).toBe(tick + 60_000);
    await sleep(1_500);
    expect(await runs()).toHaveLength(1);
  } finally {
    await api.close();
    rmSync(work, { recursive: true, force: true });
  }
}, 75_000);
