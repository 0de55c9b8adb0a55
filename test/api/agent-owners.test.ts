import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobSpec, newAction, newActionExecution, newExecution } from '../../src/store/contract-fixtures.js';
import { sealJobSpec } from '../../src/app/sealed-job-spec.js';
import { startApi } from '../support/api-harness.js';

/** Issue 10, hole 2: an agent serves the workspaces of the token that registered it, and no others. */
describe('agents have an owner', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let acmeAdmin: string; // WORKSPACES_MANAGE, restricted to acme
  beforeAll(async () => {
    api = await startApi();
    for (const domain of ['acme', 'other']) await api.post('/workspaces', { domain, name: domain });
    acmeAdmin = await api.token(['WORKSPACES_MANAGE'], { workspace_restrictions: ['acme'] });
  });
  afterAll(() => api.close());

  const register = (body: object, token?: string) => api.post('/agent/v1/agents', body, token);

  it('a restricted token registers agents for its own workspaces only', async () => {
    const made = await register({ name: 'acme-box' }, acmeAdmin);
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ name: 'acme-box', workspaces: ['acme'], labels: [] });
    expect(made.body.token).toEqual(expect.any(String));
    const elsewhere = await register({ name: 'x', workspaces: ['acme', 'other'] }, acmeAdmin);
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.errors[0].message).toContain('"other"');
  });

  it('a global agent needs an unrestricted token', async () => {
    const global = await register({ name: 'global-box' });
    expect(global.status).toBe(201);
    expect(global.body.workspaces).toBeNull();
    const scoped = await register({ name: 'other-box', workspaces: ['other'] });
    expect(scoped.body.workspaces).toEqual(['other']);
    expect((await register({ name: 'x', workspaces: ['nowhere'] })).status).toBe(404);
    expect((await register({ name: 'x', workspaces: [] })).status).toBe(400);
  });

  it('lists, shows and deletes only agents within the caller’s workspaces', async () => {
    const all = (await api.get('/agent/v1/agents')).body.agents as { id: string; name: string }[];
    expect(all.map((a) => a.name)).toEqual(expect.arrayContaining(['acme-box', 'global-box', 'other-box']));
    const seen = (await api.get('/agent/v1/agents', acmeAdmin)).body.agents as { id: string; name: string }[];
    expect(seen.map((a) => a.name)).toEqual(['acme-box']);
    const global = all.find((a) => a.name === 'global-box')!;
    expect((await api.get(`/agent/v1/agents/${global.id}`, acmeAdmin)).status).toBe(404);
    expect((await api.del(`/agent/v1/agents/${global.id}`, acmeAdmin)).status).toBe(404);
    const own = seen[0]!;
    expect((await api.del(`/agent/v1/agents/${own.id}`, acmeAdmin)).status).toBe(204);
    expect((await api.get(`/agent/v1/agents/${own.id}`)).status).toBe(404);
  });

  it('a deleted agent’s token no longer claims', async () => {
    const made = await register({ name: 'short-lived' });
    expect((await api.del(`/agent/v1/agents/${made.body.id}`)).status).toBe(204);
    expect((await api.post('/agent/v1/jobs/claim', {}, made.body.token)).status).toBe(401);
  });

  it('a scoped agent claims only jobs of its workspaces', async () => {
    const store = api.core.store;
    const job = async (domain: string) => {
      const ws = (await store.workspaces.byDomain(domain))!;
      const project = (await api.post(`/workspaces/${domain}/projects`, { display_name: `P ${domain}` })).body;
      const pipeline = (
        await api.post(`/workspaces/${domain}/projects/${project.name}/pipelines`, { name: 'Build', on: 'CLICK' })
      ).body;
      const user = (await store.users.first())!;
      const action = await store.actions.create(newAction(pipeline.id, 'build'), 0);
      const execution = await store.executions.create(newExecution(pipeline.id, user.id), [
        newActionExecution(action, 0),
      ]);
      const [ae] = await store.executions.actionExecutions(execution.id);
      expect(ws.domain).toBe(domain);
      return store.jobs.enqueue({
        actionExecutionId: ae!.id,
        executionId: execution.id,
        pipelineId: pipeline.id,
        priority: domain === 'other' ? 9 : 0,
        notBefore: new Date(0),
        spec: sealJobSpec(api.core.secrets, JSON.parse(jobSpec(execution.id, ae!.id))),
      });
    };
    const otherJob = await job('other');
    const acmeJob = await job('acme');
    const acmeAgent = (await register({ name: 'acme-claimer' }, acmeAdmin)).body.token as string;
    const claimed = await api.post('/agent/v1/jobs/claim', {}, acmeAgent);
    expect(claimed.status).toBe(200);
    expect(claimed.body.jobId).toBe(acmeJob.id);
    expect((await store.jobs.byId(otherJob.id))?.state).toBe('QUEUED');
  });
});
