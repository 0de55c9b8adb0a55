import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAction, newActionExecution, newExecution } from '../../src/store/contract-fixtures.js';
import { startApi } from '../support/api-harness.js';

/**
 * Issue 11: what a crash between two writes left (an action INPROGRESS whose job is gone, one TERMINATING with
 * nothing running) no longer blocks its pipeline: one sweep ends it, and the run queued behind it starts.
 */
describe('the sweeper', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it.each(['INPROGRESS', 'TERMINATING'] as const)('heals an action left %s without a job', async (left) => {
    const { pipelineId } = await api.seedPipeline().catch(async () => {
      const p = await api.post('/workspaces/acme/projects/company-website/pipelines', { name: `B ${left}` });
      return { pipelineId: p.body.id as number };
    });
    const store = api.core.store;
    const user = (await store.users.first())!;
    const action = await store.actions.create(newAction(pipelineId, 'build'), 0);
    const stuck = await store.executions.create(newExecution(pipelineId, user.id, { status: 'INPROGRESS' }), [
      { ...newActionExecution(action, 0), status: left, attempts: 1 },
    ]);
    const behind = await store.executions.create(newExecution(pipelineId, user.id), [newActionExecution(action, 0)]);
    await api.core.useCases.agentJobs.recover();
    const [ae] = await store.executions.actionExecutions(stuck.id);
    expect(ae?.status).toBe(left === 'INPROGRESS' ? 'FAILED' : 'TERMINATED');
    if (left === 'INPROGRESS') expect(ae?.errorMessage).toContain('stopped between two steps');
    expect((await store.executions.byId(stuck.id))?.status).toBe(left === 'INPROGRESS' ? 'FAILED' : 'TERMINATED');
    expect((await store.executions.byId(behind.id))?.status).not.toBe('ENQUEUED'); // the next run moved on
  });
});
