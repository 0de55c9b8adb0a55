import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from '../support/api-harness.js';

/** Issue 10, hole 3: a run may set only settable variables (or new ones), and a refused run queues nothing. */
describe('variables set when running a pipeline', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let runs: string;
  let runner: string; // EXECUTION_RUN only
  beforeAll(async () => {
    api = await startApi();
    const { pipelineId, actions, pipelinePath } = await api.seedPipeline();
    runs = `${pipelinePath}/executions`;
    const action = await api.post(actions, {
      type: 'DOCKER_BUILD_MULTI_ARCH',
      name: 'build',
      variables: [
        { key: 'TAG', value: 'v1', settable: true },
        { key: 'LOCKED_HERE', value: 'x', settable: false },
      ],
    });
    expect(action.status).toBe(201);
    const vars = '/workspaces/acme/variables';
    expect((await api.post(vars, { key: 'REG', value: 'registry.example.com' })).status).toBe(201);
    expect((await api.post(vars, { key: 'CHANNEL', value: 'beta', settable: true })).status).toBe(201);
    const project = { name: 'company-website' };
    expect((await api.post(vars, { key: 'STAGE', value: 'a', settable: true, project })).status).toBe(201);
    expect((await api.post(vars, { key: 'STAGE', value: 'b', project, pipeline: { id: pipelineId } })).status).toBe(
      201,
    ); // the innermost definition decides: not settable in this pipeline
    expect((await api.post(vars, { key: 'OPEN', value: 'a' })).status).toBe(201);
    expect(
      (await api.post(vars, { key: 'OPEN', value: 'b', settable: true, project, pipeline: { id: pipelineId } })).status,
    ).toBe(201); // …and here settable, although the workspace's is not
    runner = await api.token(['EXECUTION_RUN']);
  });
  afterAll(() => api.close());

  const count = async () => (await api.get(runs)).body.executions.length as number;
  const run = (key: string) => api.post(runs, { variables: [{ key, value: 'evil.example' }] }, runner);

  it.each(['REG', 'LOCKED_HERE', 'STAGE'])(
    'refuses to override the non-settable %s with a 400 naming it',
    async (key) => {
      const before = await count();
      const res = await run(key);
      expect(res.status).toBe(400);
      expect(res.body.errors[0].message).toContain(`"${key}"`);
      expect(res.body.errors[0].message).toContain('settable');
      expect(await count()).toBe(before);
    },
  );

  it('refuses a built-in variable', async () => {
    const res = await run('BUDDY_EXECUTION_BRANCH');
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toContain('BUDDY_EXECUTION_BRANCH');
  });

  it.each(['TAG', 'CHANNEL', 'OPEN', 'BRAND_NEW'])('accepts %s (settable, or defined nowhere)', async (key) => {
    const before = await count();
    const res = await run(key);
    expect(res.status).toBe(200);
    expect(await count()).toBe(before + 1);
  });
});
