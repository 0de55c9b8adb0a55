import { describe, expect, it } from 'vitest';
import type { NewVariable, Store } from '../app/ports/store.js';
import { ConflictError } from '../domain/errors.js';
import type { Variable, VariableScope } from '../domain/variable.js';
import { newAction, scene, useStore, type MakeStore } from './contract-fixtures.js';

function variable(
  workspaceId: number,
  scope: VariableScope,
  key: string,
  over: Partial<NewVariable> = {},
): NewVariable {
  return {
    workspaceId,
    scope,
    key,
    value: `${key}-value`,
    type: 'VAR',
    encrypted: false,
    settable: false,
    description: null,
    filePath: null,
    fileChmod: null,
    filePlace: 'NONE',
    ...over,
  };
}

/** Four nested scopes of one workspace: the workspace, a project, a pipeline of it and an action of that. */
async function scopes(store: Store) {
  const { workspace, project, pipeline } = await scene(store);
  const action = await store.actions.create(newAction(pipeline.id, 'Build'), 0);
  const ws: VariableScope = { projectId: null, pipelineId: null, actionId: null };
  const pr: VariableScope = { ...ws, projectId: project.id };
  const pl: VariableScope = { ...pr, pipelineId: pipeline.id };
  const ac: VariableScope = { ...pl, actionId: action.id };
  return { workspace, project, pipeline, action, ws, pr, pl, ac };
}

/** Variables: exact-scope lists, the ones in force (own + ancestors), unique keys per scope, cascades. */
export function variableContract(makeStore: MakeStore): void {
  describe('variables', () => {
    const store = useStore(makeStore);
    const keys = (vars: Array<{ key: string }>) => vars.map((v) => v.key);

    it('round-trips a variable at each scope', async () => {
      const s = await scopes(store());
      const input = variable(s.workspace.id, s.ac, 'CERT', {
        type: 'FILE',
        encrypted: true,
        settable: true,
        description: 'a cert',
        filePath: '~/cert.pem',
        fileChmod: '600',
        filePlace: 'CONTAINER',
      });
      const made = await store().variables.create(input);
      expect(made).toEqual({ ...input, id: expect.any(Number), createdAt: expect.any(Date) });
      expect(await store().variables.byId(s.workspace.id, made.id)).toEqual(made);
      expect(await store().variables.byId(s.workspace.id + 1000, made.id)).toBeUndefined();
    });

    it('lists exactly one scope, and the ones in force at a scope', async () => {
      const s = await scopes(store());
      const other = await scopes(store());
      const sibling = await store().actions.create(newAction(s.pipeline.id, 'Sibling'), 1);
      for (const [key, scope] of [
        ['W', s.ws],
        ['P', s.pr],
        ['L', s.pl],
        ['A', s.ac],
      ] as const) {
        await store().variables.create(variable(s.workspace.id, scope, key));
      }
      await store().variables.create(variable(s.workspace.id, { ...s.pl, actionId: sibling.id }, 'SIB'));
      await store().variables.create(variable(other.workspace.id, other.ws, 'OTHER'));
      const id = s.workspace.id;
      expect(keys(await store().variables.list(id, s.ws))).toEqual(['W']);
      expect(keys(await store().variables.list(id, s.pl))).toEqual(['L']);
      expect(keys(await store().variables.list(id, s.ac))).toEqual(['A']);
      expect(keys(await store().variables.inForce(id, s.ws))).toEqual(['W']);
      expect(keys(await store().variables.inForce(id, s.pr))).toEqual(['W', 'P']);
      expect(keys(await store().variables.inForce(id, s.ac))).toEqual(['W', 'P', 'L', 'A']);
      expect(keys(await store().variables.inForce(id, { ...s.pl, actionId: sibling.id }))).toEqual([
        'W',
        'P',
        'L',
        'SIB',
      ]);
    });

    it('keeps a key unique per scope (also at workspace scope, where the scope columns are NULL)', async () => {
      const s = await scopes(store());
      for (const scope of [s.ws, s.pr, s.pl, s.ac]) {
        await store().variables.create(variable(s.workspace.id, scope, 'KEY'));
        await expect(store().variables.create(variable(s.workspace.id, scope, 'KEY'))).rejects.toThrow(ConflictError);
      }
      const other = await scopes(store());
      await store().variables.create(variable(other.workspace.id, other.ws, 'KEY'));
      const second = await store().variables.create(variable(s.workspace.id, s.ws, 'SECOND'));
      await expect(store().variables.update({ ...second, key: 'KEY' })).rejects.toThrow(ConflictError);
      expect(keys(await store().variables.list(s.workspace.id, s.ws))).toEqual(['KEY', 'SECOND']);
    });

    it('updates and removes', async () => {
      const s = await scopes(store());
      const made = await store().variables.create(variable(s.workspace.id, s.pr, 'K'));
      const changed = { ...made, value: 'new', encrypted: true, description: 'd' };
      expect(await store().variables.update(changed)).toEqual(changed);
      await store().variables.remove(made.id);
      expect(await store().variables.byId(s.workspace.id, made.id)).toBeUndefined();
    });

    it('goes with the scope that holds it: action, pipeline, project, workspace', async () => {
      const s = await scopes(store());
      const made: Variable[] = [];
      for (const scope of [s.ws, s.pr, s.pl, s.ac])
        made.push(await store().variables.create(variable(s.workspace.id, scope, 'K')));
      const left = async () =>
        (await Promise.all(made.map((v) => store().variables.byId(s.workspace.id, v.id)))).filter(Boolean).length;
      await store().transaction((tx) => tx.actions.remove(s.action));
      expect(await left()).toBe(3);
      await store().pipelines.remove(s.pipeline.id);
      expect(await left()).toBe(2);
      await store().projects.remove(s.project.id);
      expect(await left()).toBe(1);
      await store().workspaces.remove(s.workspace.id);
      expect(await left()).toBe(0);
    });
  });
}
