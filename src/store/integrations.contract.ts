import { describe, expect, it } from 'vitest';
import type { NewIntegration } from '../app/ports/store.js';
import { ConflictError } from '../domain/errors.js';
import { EMPTY_DETAILS } from '../domain/integration.js';
import { newAction, newBuild, scene, unique, useStore, type MakeStore } from './contract-fixtures.js';

function integration(workspaceId: number, over: Partial<NewIntegration> = {}): NewIntegration {
  const identifier = unique('integration');
  return {
    hashId: identifier.replace(/[^a-z0-9]/g, ''),
    workspaceId,
    projectId: null,
    name: 'Docker Hub',
    type: 'DOCKER_HUB',
    scope: 'WORKSPACE',
    identifier,
    authType: 'DEFAULT',
    allPipelinesAllowed: false,
    allowedPipelineIds: [3, 5],
    details: {
      ...EMPTY_DETAILS,
      username: 'bob',
      roleAssumptions: [{ arn: 'arn:aws:iam::1:role/x', externalId: null, durationSeconds: 900 }],
    },
    sealedSecret: 'sealed:secret',
    ...over,
  };
}

/** Integrations: keys per workspace, the actions that use one, cascades. */
export function integrationContract(makeStore: MakeStore): void {
  describe('integrations', () => {
    const store = useStore(makeStore);

    it('round-trips an integration, by hash and by identifier, within its workspace only', async () => {
      const { workspace } = await scene(store());
      const other = await scene(store());
      const input = integration(workspace.id);
      const made = await store().integrations.create(input);
      expect(made).toEqual({ ...input, id: expect.any(Number), createdAt: expect.any(Date) });
      expect(await store().integrations.byHash(workspace.id, input.hashId)).toEqual(made);
      expect(await store().integrations.byIdentifier(workspace.id, input.identifier)).toEqual(made);
      expect(await store().integrations.byHash(other.workspace.id, input.hashId)).toBeUndefined();
      const second = await store().integrations.create(integration(workspace.id));
      await store().integrations.create(integration(other.workspace.id));
      expect((await store().integrations.list(workspace.id)).map((i) => i.id)).toEqual([made.id, second.id]);
    });

    it('refuses a taken identifier (per workspace) or hash id with ConflictError', async () => {
      const { workspace } = await scene(store());
      const other = await scene(store());
      const made = await store().integrations.create(integration(workspace.id));
      await expect(
        store().integrations.create(integration(workspace.id, { identifier: made.identifier })),
      ).rejects.toThrow(ConflictError);
      await expect(
        store().integrations.create(integration(other.workspace.id, { hashId: made.hashId })),
      ).rejects.toThrow(ConflictError);
      await store().integrations.create(integration(other.workspace.id, { identifier: made.identifier }));
      const second = await store().integrations.create(integration(workspace.id));
      await expect(store().integrations.update({ ...second, identifier: made.identifier })).rejects.toThrow(
        ConflictError,
      );
    });

    it('updates and removes', async () => {
      const { workspace } = await scene(store());
      const made = await store().integrations.create(integration(workspace.id));
      const changed = {
        ...made,
        name: 'Renamed',
        allPipelinesAllowed: true,
        allowedPipelineIds: [],
        sealedSecret: 'sealed:new',
      };
      expect(await store().integrations.update(changed)).toEqual(changed);
      await store().integrations.remove(made.id);
      expect(await store().integrations.byHash(workspace.id, made.hashId)).toBeUndefined();
    });

    it('finds the actions of the workspace that use it, by exact hash id', async () => {
      const s = await scene(store());
      const other = await scene(store());
      const hash = unique('hash').replace(/[^a-z0-9]/g, '');
      const uses = (pipelineId: number, name: string, integrationHash: string | null) =>
        store().actions.create(newAction(pipelineId, name, { build: newBuild({ integrationHash }) }), 0);
      const one = await uses(s.pipeline.id, 'one', hash);
      await uses(s.pipeline.id, 'longer', `${hash}x`);
      await uses(s.pipeline.id, 'upper', hash.toUpperCase());
      await uses(s.pipeline.id, 'none', null);
      await uses(other.pipeline.id, 'elsewhere', hash);
      const two = await uses(s.pipeline.id, 'two', hash);
      expect(await store().integrations.usages(s.workspace.id, hash)).toEqual(
        [one, two].map((a) => ({
          actionId: a.id,
          actionName: a.name,
          pipelineId: s.pipeline.id,
          pipelineName: s.pipeline.name,
          projectId: s.project.id,
          projectName: s.project.name,
        })),
      );
      expect(await store().integrations.usages(s.workspace.id, 'nothing')).toEqual([]);
    });

    it('goes with its workspace, and a PROJECT-scoped one with its project', async () => {
      const { workspace, project } = await scene(store());
      const inWorkspace = await store().integrations.create(integration(workspace.id));
      const inProject = await store().integrations.create(
        integration(workspace.id, { scope: 'PROJECT', projectId: project.id }),
      );
      await store().projects.remove(project.id);
      expect(await store().integrations.byHash(workspace.id, inProject.hashId)).toBeUndefined();
      expect(await store().integrations.byHash(workspace.id, inWorkspace.hashId)).toBeDefined();
      await store().workspaces.remove(workspace.id);
      expect(await store().integrations.byHash(workspace.id, inWorkspace.hashId)).toBeUndefined();
    });
  });
}
