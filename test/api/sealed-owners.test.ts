import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from '../support/api-harness.js';

/** Issue 10, hole 7: a sealed value opens only where it was sealed; one that does not open is refused. */
describe('sealed values are bound to their owner', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let aAction: { password: string; variables: { key: string; value: string }[] };
  let bActions: string;
  beforeAll(async () => {
    api = await startApi();
    for (const domain of ['alpha', 'beta']) {
      await api.post('/workspaces', { domain, name: domain });
      await api.post(`/workspaces/${domain}/projects`, { display_name: 'Site' });
      await api.post(`/workspaces/${domain}/projects/site/pipelines`, { name: 'Build' });
    }
    const pipeline = (name: string) => `/workspaces/${name}/projects/site/pipelines`;
    const alphaPipeline = (await api.get(pipeline('alpha'))).body.pipelines[0].id;
    const betaPipeline = (await api.get(pipeline('beta'))).body.pipelines[0].id;
    const made = await api.post(`${pipeline('alpha')}/${alphaPipeline}/actions`, {
      name: 'push',
      type: 'DOCKER_BUILD_MULTI_ARCH',
      repository: 'registry.example.com/team/app',
      login: 'bot',
      password: 'alpha-registry-secret',
      variables: [{ key: 'TOKEN', value: 'alpha-variable-secret', encrypted: true }],
    });
    expect(made.status).toBe(201);
    aAction = made.body;
    bActions = `${pipeline('beta')}/${betaPipeline}/actions`;
  });
  afterAll(() => api.close());

  const action = (fields: object) =>
    api.post(bActions, { name: 'x', type: 'DOCKER_BUILD_MULTI_ARCH', repository: 'r.example.com/a', ...fields });

  it("refuses workspace A's sealed password and variable pasted into workspace B", async () => {
    expect(aAction.password).toMatch(/^!encrypted v2\./);
    const password = await action({ login: 'bot', password: aAction.password });
    expect(password.status).toBe(400);
    expect(password.body.errors[0].message).toContain('does not open here');
    const variable = await action({ variables: [{ key: 'T', value: aAction.variables[0]!.value, encrypted: true }] });
    expect(variable.status).toBe(400);
    const stored = await api.post('/workspaces/beta/variables', {
      key: 'STOLEN',
      value: aAction.variables[0]!.value,
      encrypted: true,
    });
    expect(stored.status).toBe(400);
    expect((await api.get('/workspaces/beta/variables')).body.variables).toEqual([]);
  });

  it('refuses a sealed value moved to another field of the same workspace', async () => {
    const res = await api.post('/workspaces/alpha/variables', {
      key: 'MOVED',
      value: aAction.password,
      encrypted: true,
    });
    expect(res.status).toBe(400);
  });

  it('refuses an "!encrypted" value that is not one, instead of storing it as text', async () => {
    const res = await action({ login: 'bot', password: '!encrypted not-really-sealed' });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toContain('!encrypted');
  });

  it('keeps a value echoed back to its own place', async () => {
    const url = `/workspaces/alpha/projects/site/pipelines/${(aAction as unknown as { pipeline: { id: number } }).pipeline.id}/actions/${(aAction as unknown as { id: number }).id}`;
    const echoed = await api.patch(url, { password: aAction.password, variables: aAction.variables });
    expect(echoed.status).toBe(200);
    expect(echoed.body.password).toBe(aAction.password);
  });
});
