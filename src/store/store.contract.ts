import { describe, expect, it } from 'vitest';
import { ConflictError } from '../domain/errors.js';
import { accountContract } from './accounts.contract.js';
import { integrationContract } from './integrations.contract.js';
import { resourceContract } from './resources.contract.js';
import { runContract } from './runs.contract.js';
import { triggerContract } from './triggers.contract.js';
import { ALL, newAction, newProject, scene, unique, useStore, type MakeStore } from './contract-fixtures.js';
import { variableContract } from './variables.contract.js';
import { webSessionContract } from './web-sessions.contract.js';

/**
 * The contract of the `Store` port (app/ports/store.ts), run by every adapter: SQLite always, PostgreSQL when a
 * server is at hand (src/store/*.contract.test.ts). Each `describe` group gets a fresh store from `makeStore`.
 */
export function runStoreContract(name: string, makeStore: MakeStore): void {
  describe(`Store contract: ${name}`, () => {
    resourceContract(makeStore);
    accountContract(makeStore);
    variableContract(makeStore);
    integrationContract(makeStore);
    runContract(makeStore);
    triggerContract(makeStore);
    webSessionContract(makeStore);
    transactionContract(makeStore);
  });
}

class Abort extends Error {}

function transactionContract(makeStore: MakeStore): void {
  describe('transaction', () => {
    const store = useStore(makeStore);

    it('commits what the callback wrote and returns its value', async () => {
      const { workspace, user } = await scene(store());
      const project = await store().transaction(async (tx) => {
        const made = await tx.projects.create(newProject(workspace.id, user.id));
        expect(await tx.projects.find(made.id)).toEqual(made);
        return made;
      });
      expect(await store().projects.find(project.id)).toEqual(project);
    });

    it('rolls back everything on error and rethrows that error: nothing half-written', async () => {
      const { workspace, user, pipeline } = await scene(store());
      const kept = await store().actions.create(newAction(pipeline.id, 'kept'), 0);
      const domain = unique('rolled-back');
      const error = new Abort('changed my mind');
      const attempt = store().transaction(async (tx) => {
        await tx.workspaces.create({ domain, name: 'x', ownerId: user.id, frozen: false });
        await tx.projects.create(newProject(workspace.id, user.id, { name: 'rolled-back' }));
        await tx.actions.create(newAction(pipeline.id, 'inserted'), 0); // shifts "kept" to position 1
        await tx.pipelines.update({ ...pipeline, name: 'renamed' });
        throw error;
      });
      await expect(attempt).rejects.toBe(error);
      expect(await store().workspaces.byDomain(domain)).toBeUndefined();
      expect(await store().projects.byName(workspace.id, 'rolled-back')).toBeUndefined();
      expect(await store().actions.list(pipeline.id, ALL)).toEqual([kept]);
      expect((await store().pipelines.find(pipeline.id))?.name).toBe(pipeline.name);
    });

    it('rolls back the writes before a unique-key clash, which surfaces as ConflictError', async () => {
      const { workspace, user, project } = await scene(store());
      const attempt = store().transaction(async (tx) => {
        await tx.projects.create(newProject(workspace.id, user.id, { name: 'before-clash' }));
        await tx.projects.create(newProject(workspace.id, user.id, { name: project.name }));
      });
      await expect(attempt).rejects.toThrow(ConflictError);
      expect(await store().projects.byName(workspace.id, 'before-clash')).toBeUndefined();
    });

    it('joins a nested transaction to the outer one', async () => {
      const { workspace, user } = await scene(store());
      const attempt = store().transaction(async (tx) => {
        await tx.transaction((inner) => inner.projects.create(newProject(workspace.id, user.id, { name: 'nested' })));
        throw new Abort('outer fails');
      });
      await expect(attempt).rejects.toThrow(Abort);
      expect(await store().projects.byName(workspace.id, 'nested')).toBeUndefined();
    });

    it('keeps transactions that run side by side apart, each all-or-nothing', async () => {
      const { workspace, user } = await scene(store());
      const names = Array.from({ length: 6 }, (_, i) => `side-${i}`);
      const results = await Promise.allSettled(
        names.map((name, i) =>
          store().transaction(async (tx) => {
            await tx.projects.create(newProject(workspace.id, user.id, { name }));
            await tx.projects.create(newProject(workspace.id, user.id, { name: `${name}-b` }));
            if (i % 2 === 1) throw new Abort(name);
          }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(names.map((_, i) => (i % 2 ? 'rejected' : 'fulfilled')));
      const left = (await store().projects.list({ workspaceId: workspace.id }, ALL))
        .map((p) => p.name)
        .filter((n) => n.startsWith('side-'));
      expect(left.sort()).toEqual(['side-0', 'side-0-b', 'side-2', 'side-2-b', 'side-4', 'side-4-b']);
    });
  });
}
