import { describe, expect, it } from 'vitest';
import { ConflictError } from '../domain/errors.js';
import type { Execution, Revision } from '../domain/execution.js';
import {
  ALL,
  newAction,
  newActionExecution,
  newExecution,
  page,
  runScene,
  scene,
  useStore,
  type MakeStore,
} from './contract-fixtures.js';
import { jobContract } from './jobs.contract.js';

const REVISION: Revision = {
  sha: 'b'.repeat(40),
  branch: 'main',
  message: 'Fix it',
  authorName: 'Ann',
  authorEmail: 'ann@example.com',
  authorDate: '2030-01-01T00:00:00Z',
  committerName: 'Ann',
  committerEmail: 'ann@example.com',
  commitDate: '2030-01-01T00:00:00Z',
};

/** Executions and their action executions, the job queue, log lines. */
export function runContract(makeStore: MakeStore): void {
  executionContract(makeStore);
  jobContract(makeStore);
  logContract(makeStore);
}

function executionContract(makeStore: MakeStore): void {
  describe('executions', () => {
    const store = useStore(makeStore);

    it('moves a state only from an expected status (compare-and-set), and says whether it did', async () => {
      const { pipeline, user } = await scene(store());
      const action = await store().actions.create(newAction(pipeline.id, 'one'), 0);
      const execution = await store().executions.create(newExecution(pipeline.id, user.id), [
        newActionExecution(action, 0),
      ]);
      expect(await store().executions.update({ ...execution, status: 'INPROGRESS' }, ['ENQUEUED'])).toBe(true);
      expect(await store().executions.update({ ...execution, status: 'INPROGRESS' }, ['ENQUEUED'])).toBe(false);
      expect((await store().executions.byId(execution.id))?.status).toBe('INPROGRESS');
      const [ae] = await store().executions.actionExecutions(execution.id);
      expect(await store().executions.updateActionExecution({ ...ae!, status: 'SUCCESSFUL' }, ['INPROGRESS'])).toBe(
        false,
      );
      expect(await store().executions.updateActionExecution({ ...ae!, status: 'ENQUEUED' }, ['INITIAL'])).toBe(true);
      expect((await store().executions.actionExecution(ae!.id))?.status).toBe('ENQUEUED');
    });

    it('keeps at most one INPROGRESS execution per pipeline (a second is a ConflictError)', async () => {
      const { pipeline, user } = await scene(store());
      const one = await store().executions.create(newExecution(pipeline.id, user.id), []);
      const two = await store().executions.create(newExecution(pipeline.id, user.id), []);
      await store().executions.update({ ...one, status: 'INPROGRESS' }, ['ENQUEUED']);
      await expect(store().executions.update({ ...two, status: 'INPROGRESS' }, ['ENQUEUED'])).rejects.toBeInstanceOf(
        ConflictError,
      );
      await store().executions.update({ ...one, status: 'SUCCESSFUL' }, ['INPROGRESS']);
      expect(await store().executions.update({ ...two, status: 'INPROGRESS' }, ['ENQUEUED'])).toBe(true);
    });

    it('creates an execution with its action executions, in order', async () => {
      const { pipeline, user } = await scene(store());
      const first = await store().actions.create(newAction(pipeline.id, 'one'), 0);
      const second = await store().actions.create(newAction(pipeline.id, 'two'), 1);
      const input = newExecution(pipeline.id, user.id, {
        revision: REVISION,
        startDate: new Date('2030-01-01T00:00:01.000Z'),
      });
      const execution = await store().executions.create(input, [
        newActionExecution(second, 1),
        newActionExecution(first, 0),
      ]);
      expect(execution).toEqual({ ...input, id: expect.any(Number), createdAt: expect.any(Date) });
      expect(await store().executions.byId(execution.id)).toEqual(execution);
      const actions = await store().executions.actionExecutions(execution.id);
      expect(actions.map((a) => [a.action.name, a.position, a.executionId])).toEqual([
        ['one', 0, execution.id],
        ['two', 1, execution.id],
      ]);
      expect(await store().executions.actionExecution(actions[0]!.id)).toEqual(actions[0]);
      expect(await store().executions.actionExecutionByHex(actions[1]!.hexId)).toEqual(actions[1]);
      expect(await store().executions.actionExecutionByHex('f'.repeat(24))).toBeUndefined();
      expect(await store().executions.byId(execution.id + 1000)).toBeUndefined();
    });

    it('updates an execution and an action execution', async () => {
      const { executionId, actionExecutionId } = await runScene(store());
      const execution = (await store().executions.byId(executionId))!;
      const done = {
        ...execution,
        status: 'FAILED' as const,
        finishDate: new Date('2030-01-01T00:10:00.000Z'),
        errorMessage: 'boom',
        revision: REVISION,
      };
      await store().executions.update(done);
      expect(await store().executions.byId(executionId)).toEqual(done);
      const ae = (await store().executions.actionExecution(actionExecutionId))!;
      const ran = {
        ...ae,
        status: 'TERMINATING' as const,
        progress: 50,
        attempts: 2,
        startDate: new Date('2030-01-01T00:00:00.000Z'),
        errorMessage: 'x',
      };
      await store().executions.updateActionExecution(ran);
      expect(await store().executions.actionExecution(actionExecutionId)).toEqual(ran);
    });

    it("lists newest first, paged, counts, and answers the orchestrator's questions", async () => {
      const { pipeline, user } = await scene(store());
      const other = await scene(store());
      const make = (status: Execution['status']) =>
        store().executions.create(newExecution(pipeline.id, user.id, { status }), []);
      const a = await make('SUCCESSFUL');
      const b = await make('FAILED');
      const c = await make('INPROGRESS');
      const d = await make('ENQUEUED');
      const e = await make('ENQUEUED');
      await store().executions.create(newExecution(other.pipeline.id, other.user.id, { status: 'ENQUEUED' }), []);
      const ids = (list: Array<{ id: number }>) => list.map((x) => x.id);
      expect(ids(await store().executions.list(pipeline.id, ALL))).toEqual([e.id, d.id, c.id, b.id, a.id]);
      expect(ids(await store().executions.list(pipeline.id, page(2, 2)))).toEqual([c.id, b.id]);
      expect(await store().executions.list(pipeline.id, page(4, 2))).toEqual([]);
      expect(await store().executions.count(pipeline.id)).toBe(5);
      expect((await store().executions.previousFinished(pipeline.id, e.id))?.id).toBe(b.id);
      expect((await store().executions.previousFinished(pipeline.id, b.id))?.id).toBe(a.id);
      expect(await store().executions.previousFinished(pipeline.id, a.id)).toBeUndefined();
      expect((await store().executions.oldestWithStatus(pipeline.id, ['ENQUEUED']))?.id).toBe(d.id);
      expect((await store().executions.oldestWithStatus(pipeline.id, ['ENQUEUED', 'INPROGRESS']))?.id).toBe(c.id);
      expect(await store().executions.oldestWithStatus(pipeline.id, ['TERMINATED'])).toBeUndefined();
      const unfinished = ids(await store().executions.unfinished());
      expect(unfinished).toEqual([...unfinished].sort((x, y) => x - y));
      expect(unfinished).toEqual(expect.arrayContaining([c.id, d.id, e.id]));
      expect(unfinished).not.toContain(a.id);
    });

    it('goes with its pipeline, with its action executions', async () => {
      const { pipeline, executionId, actionExecutionId } = await runScene(store());
      await store().pipelines.remove(pipeline.id);
      expect(await store().executions.byId(executionId)).toBeUndefined();
      expect(await store().executions.actionExecution(actionExecutionId)).toBeUndefined();
    });
  });
}

function logContract(makeStore: MakeStore): void {
  describe('logs', () => {
    const store = useStore(makeStore);
    const lines = (from: number, n: number) => Array.from({ length: n }, (_, i) => `line ${from + i}`);

    it('appends in order and reads pages by offset', async () => {
      const { actionExecutionId: id } = await runScene(store());
      expect(await store().logs.count(id)).toBe(0);
      expect(await store().logs.read(id, 0, 10)).toEqual([]);
      expect(await store().logs.append(id, 0, lines(0, 3))).toBe(3);
      expect(await store().logs.append(id, 3, lines(3, 2))).toBe(5);
      expect(await store().logs.read(id, 0, 100)).toEqual(lines(0, 5));
      expect(await store().logs.read(id, 1, 2)).toEqual(lines(1, 2));
      expect(await store().logs.read(id, 4, 10)).toEqual(lines(4, 1));
      expect(await store().logs.read(id, 5, 10)).toEqual([]);
      expect(await store().logs.count(id)).toBe(5);
    });

    it('is idempotent by offset: a resent batch adds only what is new; a gap is a ConflictError', async () => {
      const { actionExecutionId: id } = await runScene(store());
      await store().logs.append(id, 0, lines(0, 3));
      expect(await store().logs.append(id, 0, lines(0, 3))).toBe(3);
      expect(await store().logs.append(id, 2, lines(2, 3))).toBe(5);
      expect(await store().logs.read(id, 0, 100)).toEqual(lines(0, 5));
      await expect(store().logs.append(id, 7, lines(7, 1))).rejects.toThrow(ConflictError);
      expect(await store().logs.count(id)).toBe(5);
    });

    it('takes a batch larger than one statement, and keeps logs apart', async () => {
      const one = await runScene(store());
      const two = await runScene(store());
      expect(await store().logs.append(one.actionExecutionId, 0, lines(0, 1500))).toBe(1500);
      await store().logs.append(two.actionExecutionId, 0, ['other']);
      expect(await store().logs.read(one.actionExecutionId, 1490, 100)).toEqual(lines(1490, 10));
      expect(await store().logs.read(two.actionExecutionId, 0, 100)).toEqual(['other']);
    });

    it('does not double a batch resent while the first send is still being written', async () => {
      const { actionExecutionId: id } = await runScene(store());
      const sends = await Promise.allSettled([0, 1, 2].map(() => store().logs.append(id, 0, lines(0, 50))));
      expect(sends.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      expect(await store().logs.read(id, 0, 1000)).toEqual(lines(0, 50));
    });

    it('appends side by side at the end: writers in concurrent transactions lose no line and keep their order', async () => {
      const { actionExecutionId: id } = await runScene(store());
      const writer = (name: string) => async () => {
        for (let batch = 0; batch < 5; batch++)
          await store().transaction((tx) =>
            tx.logs.appendAtEnd(
              id,
              [0, 1, 2, 3].map((i) => `[${name}] ${batch * 4 + i}`),
            ),
          );
      };
      await Promise.all(['a', 'b', 'c'].map((name) => writer(name)()));
      const log = await store().logs.read(id, 0, 1000);
      expect(log).toHaveLength(60);
      for (const name of ['a', 'b', 'c'])
        expect(log.filter((l) => l.startsWith(`[${name}]`))).toEqual(
          Array.from({ length: 20 }, (_, i) => `[${name}] ${i}`),
        );
    });

    it('goes with its action execution', async () => {
      const s = await runScene(store());
      await store().logs.append(s.actionExecutionId, 0, ['x']);
      await store().pipelines.remove(s.pipeline.id);
      expect(await store().logs.count(s.actionExecutionId)).toBe(0);
    });
  });
}
