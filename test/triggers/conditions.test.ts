import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startApi, type Api } from '../support/api-harness.js';
import { seedRunnablePipeline } from '../support/runnable-pipeline.js';
import { startScriptedAgent } from '../support/scripted-agent.js';

/**
 * Trigger conditions end to end: a real server (SQLite, a socket), real git repositories, and an agent speaking
 * the real protocol that finishes each job SUCCESSFUL without building (what is under test is which runs and
 * actions the server starts, not the engine).
 */
const VARS = '/workspaces/acme/variables';
const VAR_IS_DEPLOY = { trigger_condition: 'VAR_IS', trigger_variable_key: 'DEPLOY', trigger_variable_value: 'yes' };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setUp(clockAt?: string) {
  let at = clockAt ? new Date(clockAt) : null;
  const api = await startApi(
    { ARCHWAY_BUILTIN_AGENT: '0', ARCHWAY_GIT_POLL_SECONDS: '0' },
    { listen: true, ...(at && { clock: { now: () => at! } }) },
  );
  cleanups.push(() => api.close());
  const work = mkdtempSync(join(tmpdir(), 'archway-conditions-'));
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  const { P, pipeline } = await seedRunnablePipeline(api, work);
  return { api, work, path: `${P}/${pipeline}`, setClock: (iso: string) => (at = new Date(iso)) };
}

async function withAgent(api: Api) {
  const token = (await api.post('/agent/v1/agents', { name: 'scripted' })).body.token as string;
  const agent = startScriptedAgent({ servers: () => [api.baseUrl], token, workMs: 50, heartbeatMs: 200 });
  cleanups.push(() => agent.stop());
  return agent;
}

async function finished(api: Api, url: string) {
  for (const end = Date.now() + 20_000; ; await sleep(50)) {
    const e = (await api.get(url)).body;
    if (['SUCCESSFUL', 'FAILED', 'TERMINATED'].includes(e.status)) return e;
    if (Date.now() > end) throw new Error(`${url} unfinished: ${JSON.stringify(e)}`);
  }
}

function commit(repo: string, file: string, text: string) {
  mkdirSync(join(repo, file, '..'), { recursive: true });
  writeFileSync(join(repo, file), text);
  execFileSync('git', ['-C', repo, 'add', '-A']);
  execFileSync('git', ['-C', repo, '-c', 'user.name=A', '-c', 'user.email=a@b.c', 'commit', '-qm', `change ${file}`]);
}

const runsOf = async (api: Api, path: string) => (await api.get(`${path}/executions`)).body.executions as any[];

describe("a pipeline's trigger conditions", () => {
  it('refuse a run asked for while they do not hold (400 saying which, nothing written), and allow it once they do', async () => {
    const { api, path } = await setUp();
    const variable = await api.post(VARS, { key: 'DEPLOY', value: 'no' });
    expect(variable.status).toBe(201);
    expect((await api.patch(path, { trigger_conditions: [VAR_IS_DEPLOY] })).status).toBe(200);

    const refused = await api.post(`${path}/executions`, {});
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].message).toBe(
      'The pipeline\'s trigger conditions stop this run: Trigger condition VAR_IS ($DEPLOY = "yes") did not hold: $DEPLOY is not "yes".',
    );
    expect(await runsOf(api, path)).toHaveLength(0);

    expect((await api.patch(`${VARS}/${variable.body.id}`, { value: 'yes' })).status).toBe(200);
    expect((await api.post(`${path}/executions`, {})).status).toBe(200);
    expect(await runsOf(api, path)).toHaveLength(1);
  });

  it('hold back a scheduled run: no run, and the tick is spent, not tried again', async () => {
    const { api, path, setClock } = await setUp('2026-05-04T10:00:30Z');
    await api.post(VARS, { key: 'DEPLOY', value: 'no' });
    const set = await api.patch(path, {
      events: [{ type: 'SCHEDULE', cron: '* * * * *' }],
      trigger_conditions: [VAR_IS_DEPLOY],
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.events[0].next_run_date).toBe('2026-05-04T10:01:00.000Z');
    setClock('2026-05-04T10:01:10Z');
    await api.core.useCases.scheduler.tick();
    await api.core.useCases.scheduler.tick();
    expect(await runsOf(api, path)).toHaveLength(0);
    expect((await api.get(path)).body.events[0].next_run_date).toBe('2026-05-04T10:02:00.000Z');
  });

  it('ON_CHANGE_AT_PATH: run when a file under the paths changed since the last successful run, not otherwise', async () => {
    const { api, path, work } = await setUp();
    await withAgent(api);
    const on = [{ trigger_condition: 'ON_CHANGE_AT_PATH', trigger_condition_paths: ['src/**'] }];
    expect((await api.patch(path, { trigger_conditions: on })).status).toBe(200);

    // No successful run yet: nothing to compare with, so the condition holds.
    const first = await api.post(`${path}/executions`, {});
    expect(first.status).toBe(200);
    expect((await finished(api, `${path}/executions/${first.body.id}`)).status).toBe('SUCCESSFUL');

    commit(work, 'README.md', 'docs only\n');
    const docs = await api.post(`${path}/executions`, {});
    expect(docs.status).toBe(400);
    expect(docs.body.errors[0].message).toMatch(
      /ON_CHANGE_AT_PATH \(src\/\*\*\) did not hold: no changed file matches/,
    );

    commit(work, 'src/app/main.js', 'console.log(1)\n');
    const code = await api.post(`${path}/executions`, {});
    expect(code.status, JSON.stringify(code.body)).toBe(200);
    expect((await finished(api, `${path}/executions/${code.body.id}`)).status).toBe('SUCCESSFUL');
    expect(await runsOf(api, path)).toHaveLength(2);
  });
});

describe("an action's trigger conditions", () => {
  it('skip the action when they do not hold (SKIPPED, the reason in its log, no job), and the run goes on', async () => {
    const { api, path } = await setUp();
    const agent = await withAgent(api);
    const actions = (await api.get(`${path}/actions`)).body.actions as { id: number }[];
    const gated = await api.post(`${path}/actions`, {
      type: 'DOCKER_BUILD_MULTI_ARCH',
      name: 'gated',
      repository: 'r.example/gated',
      trigger_conditions: [VAR_IS_DEPLOY],
    });
    expect(gated.status, JSON.stringify(gated.body)).toBe(201);
    expect(actions).toHaveLength(1);

    const run = await api.post(`${path}/executions`, {});
    expect(run.status).toBe(200);
    const done = await finished(api, `${path}/executions/${run.body.id}`);
    expect(done.status).toBe('SUCCESSFUL');
    const [built, skipped] = done.action_executions as any[];
    expect(built.status).toBe('SUCCESSFUL');
    expect(skipped.status).toBe('SKIPPED');
    const detail = (await api.get(`${path}/executions/${run.body.id}/action_executions/${skipped.action_execution_id}`))
      .body;
    expect(detail.log).toEqual([
      'Skipped: Trigger condition VAR_IS ($DEPLOY = "yes") did not hold: $DEPLOY is not "yes" ($DEPLOY is not defined, which counts as "").',
    ]);
    expect(agent.claims.map((c) => c.actionName)).toEqual(['b']);

    // With the variable set the action runs.
    await api.post(VARS, { key: 'DEPLOY', value: 'yes' });
    const again = await api.post(`${path}/executions`, {});
    const second = await finished(api, `${path}/executions/${again.body.id}`);
    expect((second.action_executions as any[]).map((a) => a.status)).toEqual(['SUCCESSFUL', 'SUCCESSFUL']);
    expect(agent.claims.map((c) => c.actionName)).toEqual(['b', 'b', 'gated']);
  });
});
