import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startApi, type Api } from '../support/api-harness.js';
import { startPostgres } from '../support/postgres.js';
import { seedRunnablePipeline } from '../support/runnable-pipeline.js';

/**
 * Schedules end to end: a real server on a real SQLite file (and two replicas on a throw-away PostgreSQL), real
 * git repositories; the time is a clock of the test's own, moved by hand, and ticks are also taken by each
 * server's own loop every second (claims are compare-and-set, so what is asserted is the runs that exist).
 * No agent runs: runs stay queued, which is all a trigger decides.
 */
const QUIET = { ARCHWAY_BUILTIN_AGENT: '0', ARCHWAY_GIT_POLL_SECONDS: '0' };

function testClock(iso: string) {
  let at = new Date(iso);
  return { clock: { now: () => at }, set: (next: string) => (at = new Date(next)) };
}

const opened: { close(): Promise<void> }[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((a) => a.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function withPipeline(clockAt: string, events: unknown[], extra: Record<string, unknown> = {}) {
  const time = testClock(clockAt);
  const api = await startApi(QUIET, { clock: time.clock });
  opened.push(api);
  const work = mkdtempSync(join(tmpdir(), 'archway-schedule-'));
  dirs.push(work);
  const { P, pipeline } = await seedRunnablePipeline(api, work);
  const path = `${P}/${pipeline}`;
  const set = await api.patch(path, { events, ...extra });
  expect(set.status, JSON.stringify(set.body)).toBe(200);
  return { api, path, time, tick: () => api.core.useCases.scheduler.tick() };
}

const runsOf = async (api: Api, path: string) => (await api.get(`${path}/executions`)).body.executions as any[];
const nextRun = async (api: Api, path: string) => (await api.get(path)).body.events[0].next_run_date as string | null;

describe('SCHEDULE events', () => {
  it('run on a cron in a time zone across the DST change, once per tick, as SCHEDULE runs of the default branch', async () => {
    // 29 March 2026: Warsaw moves from UTC+1 to UTC+2 at 02:00, so 03:00 local is 01:00Z that day (02:00Z the day before).
    const { api, path, time, tick } = await withPipeline('2026-03-28T12:00:00Z', [
      { type: 'SCHEDULE', cron: '0 3 * * *', timezone: 'Europe/Warsaw' },
    ]);
    const pipeline = (await api.get(path)).body;
    expect(pipeline.events[0]).toMatchObject({ type: 'SCHEDULE', cron: '0 3 * * *', timezone: 'Europe/Warsaw' });
    expect(pipeline.events[0].next_run_date).toBe('2026-03-29T01:00:00.000Z');
    expect(pipeline.next_run_date).toBe('2026-03-29T01:00:00.000Z');

    time.set('2026-03-29T00:59:59Z');
    await tick();
    expect(await runsOf(api, path)).toHaveLength(0);

    time.set('2026-03-29T01:00:05Z');
    await Promise.all([tick(), tick()]);
    await tick();
    const runs = await runsOf(api, path);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      triggeredOn: 'SCHEDULE',
      mode: 'SCHEDULED',
      trigger: { type: 'SCHEDULE', ref: 'refs/heads/main', by: null },
      branch: { name: 'main' },
    });
    expect(await nextRun(api, path)).toBe('2026-03-30T01:00:00.000Z');
  });

  it('after downtime runs one missed tick, not one per tick missed, and goes on from now', async () => {
    const { api, path, time, tick } = await withPipeline('2026-03-28T12:00:00Z', [
      { type: 'SCHEDULE', cron: '0 * * * *', timezone: 'UTC' },
    ]);
    time.set('2026-03-30T09:30:00Z'); // 46 hourly ticks missed
    await tick();
    await tick();
    expect(await runsOf(api, path)).toHaveLength(1);
    expect(await nextRun(api, path)).toBe('2026-03-30T10:00:00.000Z');
  });

  it("run every `delay` minutes from `start_date` (Buddy's older form)", async () => {
    const { api, path, time, tick } = await withPipeline('2026-03-28T12:00:00Z', [
      { type: 'SCHEDULE', start_date: '2026-03-28T12:10:00Z', delay: 30 },
    ]);
    expect(await nextRun(api, path)).toBe('2026-03-28T12:10:00.000Z');
    time.set('2026-03-28T12:41:00Z');
    await tick();
    expect(await runsOf(api, path)).toHaveLength(1);
    expect(await nextRun(api, path)).toBe('2026-03-28T13:10:00.000Z');
  });

  it('let their ticks pass while the pipeline is disabled, and go on at the next tick once enabled', async () => {
    const { api, path, time, tick } = await withPipeline('2026-03-28T12:00:00Z', [
      { type: 'SCHEDULE', cron: '*/15 * * * *' },
    ]);
    expect((await api.patch(path, { disabled: true })).status).toBe(200);
    expect(await nextRun(api, path)).toBeNull();
    time.set('2026-03-28T12:16:00Z');
    await tick();
    expect(await runsOf(api, path)).toHaveLength(0);
    expect((await api.patch(path, { disabled: false })).status).toBe(200);
    expect(await nextRun(api, path)).toBe('2026-03-28T12:30:00.000Z');
    await tick();
    expect(await runsOf(api, path)).toHaveLength(0);
    time.set('2026-03-28T12:30:01Z');
    await tick();
    expect(await runsOf(api, path)).toHaveLength(1);
  });

  it('pause after `pause_on_repeated_failures` failed runs in a row, saying why, until the events are edited', async () => {
    const time = testClock('2026-03-28T12:00:00Z');
    const api = await startApi(QUIET, { clock: time.clock });
    opened.push(api);
    // A project without a repository: each run fails at once ("The project has no repository").
    const { pipelinePath: path } = await api.seedPipeline({
      events: [{ type: 'SCHEDULE', cron: '* * * * *' }],
      pause_on_repeated_failures: 2,
    });
    const tick = () => api.core.useCases.scheduler.tick();
    for (const minute of ['12:01:00', '12:02:00']) {
      time.set(`2026-03-28T${minute}Z`);
      await tick();
    }
    const failed = await runsOf(api, path);
    expect(failed.map((r) => r.status)).toEqual(['FAILED', 'FAILED']);
    time.set('2026-03-28T12:03:00Z');
    await tick();
    expect(await runsOf(api, path)).toHaveLength(2);
    const paused = (await api.get(path)).body;
    expect(paused.events[0].next_run_date).toBeNull();
    expect(paused.events[0].paused_reason).toMatch(/2 failed scheduled runs in a row/);
    time.set('2026-03-28T12:10:00Z');
    await tick();
    expect(await runsOf(api, path)).toHaveLength(2);

    // Editing the events resumes it at its next tick.
    expect((await api.patch(path, { events: [{ type: 'SCHEDULE', cron: '* * * * *' }] })).status).toBe(200);
    const resumed = (await api.get(path)).body;
    expect(resumed.events[0].paused_reason).toBeUndefined();
    expect(resumed.events[0].next_run_date).toBe('2026-03-28T12:11:00.000Z');
    time.set('2026-03-28T12:11:00Z');
    await tick();
    expect(await runsOf(api, path)).toHaveLength(3);
    // Failures are counted afresh from the resume: one more runs, then the second failure in a row pauses it.
    time.set('2026-03-28T12:12:00Z');
    await tick();
    expect(await runsOf(api, path)).toHaveLength(4);
    time.set('2026-03-28T12:13:00Z');
    await tick();
    expect(await runsOf(api, path)).toHaveLength(4);
    expect((await api.get(path)).body.events[0].paused_reason).toMatch(/in a row/);
  });

  it('refuse a schedule that cannot run, or an event that cannot fire, with a 400 saying why, keeping the pipeline as it was', async () => {
    const { api, path } = await withPipeline('2026-03-28T12:00:00Z', [{ type: 'SCHEDULE', cron: '0 3 * * *' }]);
    const before = (await api.get(path)).body;
    const bad: [unknown, RegExp][] = [
      [{ type: 'SCHEDULE', cron: '0 3 * * * *' }, /must have 5 fields/],
      [{ type: 'SCHEDULE', cron: '61 * * * *' }, /"cron" of the SCHEDULE event is not valid/],
      [{ type: 'SCHEDULE', cron: '0 0 31 2 *' }, /names no date that comes/],
      [{ type: 'SCHEDULE', cron: '0 3 * * *', timezone: 'Mars/Olympus' }, /IANA time zone/],
      [{ type: 'SCHEDULE', start_date: '2026-03-28T12:10:00Z', delay: 0 }, /"delay" of the SCHEDULE event/],
      [{ type: 'SCHEDULE', start_date: 'yesterday', delay: 5 }, /"start_date" of the SCHEDULE event/],
      [{ type: 'SCHEDULE' }, /needs "cron"/],
      // Events Archway has nothing to act on are refused, never kept as if they would fire.
      [{ type: 'PULL_REQUEST', events: ['opened'] }, /PULL_REQUEST events are not supported/],
      [{ type: 'EMAIL', prefix: 'ci' }, /EMAIL events are not supported/],
    ];
    for (const [event, message] of bad) {
      const res = await api.patch(path, { events: [event] });
      expect(res.status, JSON.stringify(event)).toBe(400);
      expect(res.body.errors[0].message).toMatch(message);
    }
    expect((await api.get(path)).body).toEqual(before);
  });

  it("fire on the server's own loop in real time", async () => {
    const api = await startApi(QUIET);
    opened.push(api);
    const work = mkdtempSync(join(tmpdir(), 'archway-schedule-'));
    dirs.push(work);
    const { P, pipeline } = await seedRunnablePipeline(api, work);
    const path = `${P}/${pipeline}`;
    const due = new Date(Date.now() + 2_000);
    expect(
      (await api.patch(path, { events: [{ type: 'SCHEDULE', start_date: due.toISOString(), delay: 60 }] })).status,
    ).toBe(200);
    for (const end = Date.now() + 6_000; (await runsOf(api, path)).length === 0; await sleep(100))
      if (Date.now() > end) throw new Error('no scheduled run 4 s after its time');
    const lateMs = Date.now() - due.getTime();
    console.log(`scheduled run seen ${lateMs} ms after its tick (the loop looks every 1 s)`);
    expect(lateMs).toBeGreaterThanOrEqual(0);
    expect(lateMs).toBeLessThan(2_500);
    expect(await runsOf(api, path)).toHaveLength(1);
  });
});

const server = await startPostgres();
if (server) {
  afterAll(() => server.stop());
  describe(`SCHEDULE events on two replicas (${server.origin})`, () => {
    it('fire each tick once between two replicas ticking at the same moments', async () => {
      const db = await server.freshDatabase();
      const time = testClock('2026-03-28T12:00:00Z');
      const env = { ...QUIET, ARCHWAY_DATABASE_URL: db.url, ARCHWAY_SECRET_KEY: 'b'.repeat(64) };
      const [a, b] = await Promise.all([startApi(env, { clock: time.clock }), startApi(env, { clock: time.clock })]);
      opened.push(a, b);
      const work = mkdtempSync(join(tmpdir(), 'archway-schedule-'));
      dirs.push(work);
      const { P } = await seedRunnablePipeline(a, work);
      const ids: number[] = [];
      for (let i = 0; i < 4; i++) {
        const made = await a.post(P, { name: `s${i}`, events: [{ type: 'SCHEDULE', cron: '*/5 * * * *' }] });
        expect(made.status, JSON.stringify(made.body)).toBe(201);
        await a.post(`${P}/${made.body.id}/actions`, {
          type: 'DOCKER_BUILD_MULTI_ARCH',
          name: 'b',
          repository: 'r.example/x',
        });
        ids.push(made.body.id as number);
      }
      const ticks = 6;
      for (let t = 1; t <= ticks; t++) {
        time.set(new Date(Date.parse('2026-03-28T12:00:00Z') + t * 5 * 60_000 + 1_000).toISOString());
        await Promise.all([a, b, a, b].map((r) => r.core.useCases.scheduler.tick()));
      }
      await sleep(1_200); // the servers' own loops tick too
      for (const id of ids) {
        expect((await runsOf(b, `${P}/${id}`)).length, `pipeline ${id}`).toBe(ticks);
      }
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const n = await client.query<{ n: string }>(
          "SELECT COUNT(*) AS n FROM executions WHERE trigger = 'SCHEDULE' AND pipeline_id = ANY($1)",
          [ids],
        );
        expect(Number(n.rows[0]!.n)).toBe(ticks * ids.length);
      } finally {
        await client.end();
        await Promise.all(opened.splice(0).map((r) => r.close()));
        await db.drop();
      }
    }, 60_000);
  });
}
