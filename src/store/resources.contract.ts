import { describe, expect, it } from 'vitest';
import type { Store } from '../app/ports/store.js';
import type { Action } from '../domain/action.js';
import { ConflictError } from '../domain/errors.js';
import {
  ALL,
  newAction,
  newBuild,
  newPipeline,
  newProject,
  page,
  scene,
  unique,
  useStore,
  type MakeStore,
} from './contract-fixtures.js';

/** Workspaces, projects, pipelines and actions: CRUD, unique keys, filters, sorting, paging, positions, cascades. */
export function resourceContract(makeStore: MakeStore): void {
  workspaceContract(makeStore);
  projectContract(makeStore);
  pipelineContract(makeStore);
  actionContract(makeStore);
  pathContract(makeStore);
}

function workspaceContract(makeStore: MakeStore): void {
  describe('workspaces', () => {
    const store = useStore(makeStore);

    it('creates, finds by id and by domain, and misses cleanly', async () => {
      const { user } = await scene(store());
      const domain = unique('acme');
      const ws = await store().workspaces.create({ domain, name: 'Acme', ownerId: user.id, frozen: true });
      expect(ws).toMatchObject({ domain, name: 'Acme', ownerId: user.id, frozen: true });
      expect(ws.id).toEqual(expect.any(Number));
      expect(ws.createdAt).toBeInstanceOf(Date);
      expect(await store().workspaces.find(ws.id)).toEqual(ws);
      expect(await store().workspaces.byDomain(domain)).toEqual(ws);
      expect(await store().workspaces.byDomain(domain.toUpperCase())).toBeUndefined();
      expect(await store().workspaces.find(987_654)).toBeUndefined();
    });

    it('refuses a taken domain with ConflictError, on create and on update', async () => {
      const { user, workspace } = await scene(store());
      await expect(
        store().workspaces.create({ domain: workspace.domain, name: 'x', ownerId: user.id, frozen: false }),
      ).rejects.toThrow(ConflictError);
      const other = await store().workspaces.create({
        domain: unique('other'),
        name: 'x',
        ownerId: user.id,
        frozen: false,
      });
      await expect(store().workspaces.update(other.id, { domain: workspace.domain })).rejects.toThrow(ConflictError);
    });

    it('lists in id order, filtered by domains, paged', async () => {
      const made = [await scene(store()), await scene(store()), await scene(store())].map((s) => s.workspace);
      const domains = made.map((w) => w.domain);
      expect((await store().workspaces.list({ domains }, ALL)).map((w) => w.id)).toEqual(made.map((w) => w.id));
      expect((await store().workspaces.list({ domains }, page(2, 2))).map((w) => w.domain)).toEqual([domains[2]]);
      expect(await store().workspaces.list({ domains }, page(3, 2))).toEqual([]);
      expect(await store().workspaces.list({ domains: [] }, ALL)).toEqual([]);
      const all = await store().workspaces.list({}, ALL);
      expect(all.map((w) => w.id)).toEqual([...all.map((w) => w.id)].sort((a, b) => a - b));
    });

    it('updates only what the patch names, and removes with its projects', async () => {
      const { workspace, project } = await scene(store());
      const renamed = await store().workspaces.update(workspace.id, { name: 'Renamed' });
      expect(renamed).toEqual({ ...workspace, name: 'Renamed' });
      await store().workspaces.remove(workspace.id);
      expect(await store().workspaces.find(workspace.id)).toBeUndefined();
      expect(await store().projects.find(project.id)).toBeUndefined();
    });
  });
}

function projectContract(makeStore: MakeStore): void {
  describe('projects', () => {
    const store = useStore(makeStore);

    it('round-trips every field, by id and by name', async () => {
      const { user, workspace } = await scene(store());
      const input = newProject(workspace.id, user.id, {
        fetchSubmodulesEnvKey: 'KEY',
        withoutRepository: true,
        access: 'PUBLIC',
      });
      const project = await store().projects.create(input);
      expect(project).toEqual({ ...input, id: expect.any(Number), createdAt: expect.any(Date) });
      expect(await store().projects.find(project.id)).toEqual(project);
      expect(await store().projects.byName(workspace.id, input.name)).toEqual(project);
      expect(await store().projects.byName(workspace.id + 1000, input.name)).toBeUndefined();
    });

    it('keeps names unique per workspace only', async () => {
      const a = await scene(store());
      const b = await scene(store());
      await expect(
        store().projects.create(newProject(a.workspace.id, a.user.id, { name: a.project.name })),
      ).rejects.toThrow(ConflictError);
      const twin = await store().projects.create(newProject(b.workspace.id, b.user.id, { name: a.project.name }));
      expect(twin.name).toBe(a.project.name);
      const second = await store().projects.create(newProject(a.workspace.id, a.user.id));
      await expect(store().projects.update({ ...second, name: a.project.name })).rejects.toThrow(ConflictError);
    });

    it('lists by workspace, filtered by status, sorted and paged', async () => {
      const { user, workspace, project } = await scene(store());
      const closed = await store().projects.create(
        newProject(workspace.id, user.id, { name: `a-${project.name}`, status: 'CLOSED' }),
      );
      const last = await store().projects.create(newProject(workspace.id, user.id, { name: `z-${project.name}` }));
      const list = (filter: { status?: string }, p: Parameters<Store['projects']['list']>[1]) =>
        store()
          .projects.list({ workspaceId: workspace.id, ...filter }, p)
          .then((r) => r.map((x) => x.id));
      expect(await list({}, ALL)).toEqual([project.id, closed.id, last.id]);
      expect(await list({ status: 'CLOSED' }, ALL)).toEqual([closed.id]);
      expect(await list({}, { ...ALL, sortBy: 'name', sortDirection: 'DESC' })).toEqual([
        last.id,
        project.id,
        closed.id,
      ]);
      expect(await list({}, { ...page(2, 1), sortBy: 'name' })).toEqual([project.id]);
      expect(await list({}, page(4, 1))).toEqual([]);
    });

    it('updates every field and removes with its pipelines', async () => {
      const { project, pipeline } = await scene(store());
      const changed = {
        ...project,
        displayName: 'New',
        status: 'CLOSED' as const,
        fetchSubmodules: false,
        repository: { url: null, user: null, passwordEncrypted: null, defaultBranch: 'develop' },
      };
      expect(await store().projects.update(changed)).toEqual(changed);
      await store().projects.remove(project.id);
      expect(await store().projects.find(project.id)).toBeUndefined();
      expect(await store().pipelines.find(pipeline.id)).toBeUndefined();
    });
  });
}

function pipelineContract(makeStore: MakeStore): void {
  describe('pipelines', () => {
    const store = useStore(makeStore);

    it('round-trips the trigger and option JSON and starts INITIAL', async () => {
      const { user, project } = await scene(store());
      const input = newPipeline(project.id, user.id, { cacheScope: 'PROJECT', priority: 'HIGH', disabled: true });
      const pipeline = await store().pipelines.create(input);
      expect(pipeline).toEqual({
        ...input,
        id: expect.any(Number),
        createdAt: expect.any(Date),
        lastExecutionStatus: 'INITIAL',
        lastExecutionRevision: null,
      });
      expect(await store().pipelines.find(pipeline.id)).toEqual(pipeline);
      expect(await store().pipelines.byId(project.id, pipeline.id)).toEqual(pipeline);
      expect(await store().pipelines.byId(project.id + 1000, pipeline.id)).toBeUndefined();
    });

    it('keeps identifiers unique per project, lists sorted and paged', async () => {
      const { user, project, pipeline } = await scene(store());
      await expect(
        store().pipelines.create(newPipeline(project.id, user.id, { identifier: pipeline.identifier })),
      ).rejects.toThrow(ConflictError);
      const early = await store().pipelines.create(newPipeline(project.id, user.id, { name: `a-${pipeline.name}` }));
      const ids = (p: Parameters<Store['pipelines']['list']>[1]) =>
        store()
          .pipelines.list({ projectId: project.id }, p)
          .then((r) => r.map((x) => x.id));
      expect(await ids(ALL)).toEqual([pipeline.id, early.id]);
      expect(await ids({ ...ALL, sortBy: 'name' })).toEqual([early.id, pipeline.id]);
      expect(await ids({ ...ALL, sortBy: 'id', sortDirection: 'DESC' })).toEqual([early.id, pipeline.id]);
      expect(await ids(page(2, 1))).toEqual([early.id]);
      expect(await ids(page(3, 1))).toEqual([]);
    });

    it('updates the run status and removes with its actions', async () => {
      const { pipeline } = await scene(store());
      const action = await store().actions.create(newAction(pipeline.id, 'Build'), 0);
      const changed = {
        ...pipeline,
        name: 'Renamed',
        lastExecutionStatus: 'SUCCESSFUL' as const,
        lastExecutionRevision: 'abc',
        options: { a: 1 },
      };
      expect(await store().pipelines.update(changed)).toEqual(changed);
      await store().pipelines.remove(pipeline.id);
      expect(await store().pipelines.find(pipeline.id)).toBeUndefined();
      expect(await store().actions.find(action.id)).toBeUndefined();
    });
  });
}

function actionContract(makeStore: MakeStore): void {
  describe('actions', () => {
    const store = useStore(makeStore);
    const order = async (pipelineId: number) =>
      (await store().actions.list(pipelineId, ALL)).map((a) => [a.name, a.position]);

    it('round-trips every setting and starts INITIAL', async () => {
      const { pipeline } = await scene(store());
      const input = newAction(pipeline.id, 'Build', {
        timeout: 60,
        retryCount: 2,
        loop: ['a'],
        build: newBuild({ cacheMode: 'MAX', versions: [] }),
      });
      const action = await store().actions.create(input, 0);
      expect(action).toEqual({
        ...input,
        id: expect.any(Number),
        position: 0,
        createdAt: expect.any(Date),
        lastExecutionStatus: 'INITIAL',
        currentRevision: null,
      });
      expect(await store().actions.find(action.id)).toEqual(action);
      expect(await store().actions.byId(pipeline.id, action.id)).toEqual(action);
      expect(await store().actions.byId(pipeline.id + 1000, action.id)).toBeUndefined();
    });

    it('inserts at a position, shifting the later ones down', async () => {
      const { pipeline } = await scene(store());
      const add = (name: string, at: number) =>
        store().transaction((tx) => tx.actions.create(newAction(pipeline.id, name), at));
      await add('a', 0);
      await add('c', 1);
      await add('b', 1);
      await add('first', 0);
      expect(await order(pipeline.id)).toEqual([
        ['first', 0],
        ['a', 1],
        ['b', 2],
        ['c', 3],
      ]);
      expect(await store().actions.count(pipeline.id)).toBe(4);
      expect((await store().actions.list(pipeline.id, page(2, 3))).map((a) => a.name)).toEqual(['c']);
    });

    it('removes and closes the gap, leaving other pipelines alone', async () => {
      const { pipeline, project, user } = await scene(store());
      const other = await store().pipelines.create(newPipeline(project.id, user.id));
      await store().actions.create(newAction(other.id, 'x'), 0);
      const made: Action[] = [];
      for (const [i, name] of ['a', 'b', 'c', 'd'].entries())
        made.push(await store().actions.create(newAction(pipeline.id, name), i));
      await store().transaction((tx) => tx.actions.remove(made[1]!));
      expect(await order(pipeline.id)).toEqual([
        ['a', 0],
        ['c', 1],
        ['d', 2],
      ]);
      await store().transaction((tx) => tx.actions.remove(made[0]!));
      expect(await order(pipeline.id)).toEqual([
        ['c', 0],
        ['d', 1],
      ]);
      expect(await order(other.id)).toEqual([['x', 0]]);
      expect(await store().actions.find(made[1]!.id)).toBeUndefined();
    });

    it('keeps positions contiguous when adds race (each reads the count in its own transaction)', async () => {
      const { pipeline } = await scene(store());
      const names = Array.from({ length: 8 }, (_, i) => `n${i}`);
      await Promise.all(
        names.map((name) =>
          store().transaction(async (tx) =>
            tx.actions.create(newAction(pipeline.id, name), await tx.actions.count(pipeline.id)),
          ),
        ),
      );
      const positions = (await store().actions.list(pipeline.id, ALL)).map((a) => a.position);
      expect(positions).toEqual(names.map((_, i) => i));
    });

    it('inserts right after an action, where it is once the pipeline is locked (a remove before it is waiting to commit)', async () => {
      const { pipeline } = await scene(store());
      const [first, anchor, last] = [
        await store().actions.append(newAction(pipeline.id, 'first')),
        await store().actions.append(newAction(pipeline.id, 'anchor')),
        await store().actions.append(newAction(pipeline.id, 'last')),
      ];
      const removing = store().transaction(async (tx) => {
        await tx.actions.remove(first);
        await new Promise((resolve) => setTimeout(resolve, 100)); // the insert starts meanwhile
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      const inserted = await store().transaction((tx) =>
        tx.actions.insertAfter(newAction(pipeline.id, 'new'), anchor.id),
      );
      await removing;
      expect(inserted).toMatchObject({ name: 'new', position: 1 });
      expect((await store().actions.list(pipeline.id, ALL)).map((a) => `${a.position}:${a.name}`)).toEqual([
        '0:anchor',
        '1:new',
        '2:last',
      ]);
      const other = await scene(store());
      expect(
        await store().transaction((tx) => tx.actions.insertAfter(newAction(other.pipeline.id, 'x'), last.id)),
      ).toBeUndefined();
      expect(await store().actions.list(other.pipeline.id, ALL)).toEqual([]);
    });

    it('appends at the end, also when appends race each other and an insert, inside a transaction or not', async () => {
      const { pipeline } = await scene(store());
      const first = await store().actions.append(newAction(pipeline.id, 'first'));
      expect(first).toMatchObject({ name: 'first', position: 0, lastExecutionStatus: 'INITIAL' });
      expect(await store().actions.find(first.id)).toEqual(first);
      const names = Array.from({ length: 6 }, (_, i) => `n${i}`);
      await Promise.all([
        ...names.map((name) => store().actions.append(newAction(pipeline.id, name))),
        store().transaction((tx) => tx.actions.create(newAction(pipeline.id, 'inserted'), 0)),
        store().transaction((tx) => tx.actions.append(newAction(pipeline.id, 'in-tx'))),
      ]);
      const actions = await store().actions.list(pipeline.id, ALL);
      expect(actions.map((a) => a.position)).toEqual(actions.map((_, i) => i));
      expect(actions.map((a) => a.name).sort()).toEqual(['first', 'in-tx', 'inserted', ...names].sort());
      expect(await store().actions.append(newAction(pipeline.id, 'last'))).toMatchObject({ position: actions.length });
    });

    it('closes the gap once when the same action is removed twice at once; a position past the end appends', async () => {
      const { pipeline } = await scene(store());
      const made: Action[] = [];
      for (const [i, name] of ['a', 'b', 'c'].entries())
        made.push(await store().actions.create(newAction(pipeline.id, name), i));
      await Promise.all([1, 2].map(() => store().transaction((tx) => tx.actions.remove(made[0]!))));
      expect(await order(pipeline.id)).toEqual([
        ['b', 0],
        ['c', 1],
      ]);
      await store().transaction((tx) => tx.actions.create(newAction(pipeline.id, 'd'), 99));
      expect(await order(pipeline.id)).toEqual([
        ['b', 0],
        ['c', 1],
        ['d', 2],
      ]);
    });

    it('updates settings and run state, keeping the position', async () => {
      const { pipeline } = await scene(store());
      await store().actions.create(newAction(pipeline.id, 'first'), 0);
      const action = await store().actions.create(newAction(pipeline.id, 'Build'), 1);
      const changed = {
        ...action,
        name: 'Renamed',
        disabled: true,
        build: newBuild({ targetPlatforms: ['linux/arm/v7'] }),
        lastExecutionStatus: 'FAILED' as const,
        currentRevision: 'abc',
      };
      expect(await store().actions.update(changed)).toEqual(changed);
      expect(await store().actions.find(action.id)).toEqual(changed);
    });
  });
}

function pathContract(makeStore: MakeStore): void {
  describe('paths', () => {
    const store = useStore(makeStore);

    it("resolves every level in one read, each equal to its own repository's read", async () => {
      const { workspace, project, pipeline } = await scene(store());
      const action = await store().actions.create(newAction(pipeline.id, 'Build'), 0);
      const path = await store().paths.resolve({
        domain: workspace.domain,
        projectName: project.name,
        pipelineId: pipeline.id,
        actionId: action.id,
      });
      expect(path).toEqual({ workspace, project, pipeline, action });
      expect(await store().paths.resolve({ domain: workspace.domain, projectName: project.name })).toEqual({
        workspace,
        project,
        pipeline: undefined,
        action: undefined,
      });
    });

    it('finds nothing below a level that is missing or belongs elsewhere', async () => {
      const one = await scene(store());
      const two = await scene(store());
      const action = await store().actions.create(newAction(two.pipeline.id, 'Build'), 0);
      expect(await store().paths.resolve({ domain: unique('nowhere'), projectName: one.project.name })).toEqual({});
      // Another workspace's project, another project's pipeline, another pipeline's action: not found.
      const path = (projectName: string, pipelineId: number, actionId: number) =>
        store().paths.resolve({ domain: one.workspace.domain, projectName, pipelineId, actionId });
      expect(await path(two.project.name, two.pipeline.id, action.id)).toMatchObject({
        workspace: one.workspace,
        project: undefined,
        pipeline: undefined,
      });
      expect(await path(one.project.name, two.pipeline.id, action.id)).toMatchObject({
        project: one.project,
        pipeline: undefined,
        action: undefined,
      });
      const other = await store().actions.create(newAction(one.pipeline.id, 'Other'), 0);
      expect(await path(one.project.name, one.pipeline.id, action.id)).toMatchObject({
        pipeline: one.pipeline,
        action: undefined,
      });
      expect((await path(one.project.name, one.pipeline.id, other.id)).action).toEqual(other);
    });

    it('sees every write to a level of the path at the next read (SQLite keeps paths cached until one)', async () => {
      const { workspace, project, pipeline } = await scene(store());
      const action = await store().actions.create(newAction(pipeline.id, 'Build'), 0);
      const query = {
        domain: workspace.domain,
        projectName: project.name,
        pipelineId: pipeline.id,
        actionId: action.id,
      };
      const read = () => store().paths.resolve(query);
      expect(await read()).toEqual({ workspace, project, pipeline, action });
      const renamedAction = await store().actions.update({
        ...action,
        name: 'Renamed',
        lastExecutionStatus: 'SUCCESSFUL',
      });
      expect((await read()).action).toEqual(renamedAction);
      const renamedPipeline = await store().pipelines.update({
        ...pipeline,
        name: 'Renamed',
        lastExecutionStatus: 'FAILED',
      });
      expect((await read()).pipeline).toEqual(renamedPipeline);
      const renamedProject = await store().projects.update({ ...project, displayName: 'Renamed' });
      expect((await read()).project).toEqual(renamedProject);
      const renamedWorkspace = await store().workspaces.update(workspace.id, { name: 'Renamed' });
      expect((await read()).workspace).toEqual(renamedWorkspace);
      // An action added before it moves the action down; one removed before it moves it back up.
      const before = await store().transaction((tx) => tx.actions.create(newAction(pipeline.id, 'Before'), 0));
      expect((await read()).action?.position).toBe(1);
      await store().transaction((tx) => tx.actions.remove(before));
      expect((await read()).action?.position).toBe(0);
      // A delete higher up removes the levels below it (foreign keys cascade).
      await store().pipelines.remove(pipeline.id);
      expect(await read()).toMatchObject({ project: renamedProject, pipeline: undefined, action: undefined });
      await store().workspaces.remove(workspace.id);
      expect(await read()).toEqual({});
    });

    it('sees a path made after it was looked up in vain, and a rename at once under both names', async () => {
      const { workspace, user } = await scene(store());
      const name = unique('later');
      const query = { domain: workspace.domain, projectName: name };
      expect((await store().paths.resolve(query)).project).toBeUndefined();
      const project = await store().projects.create(newProject(workspace.id, user.id, { name }));
      expect((await store().paths.resolve(query)).project).toEqual(project);
      const domain = unique('renamed');
      await store().workspaces.update(workspace.id, { domain });
      expect(await store().paths.resolve(query)).toEqual({});
      expect((await store().paths.resolve({ ...query, domain })).project).toEqual(project);
    });

    it('inside a transaction sees its own writes; outside, what was committed (nothing after a rollback)', async () => {
      const { workspace, project, pipeline } = await scene(store());
      const query = { domain: workspace.domain, projectName: project.name, pipelineId: pipeline.id };
      await store().paths.resolve(query);
      const attempt = store().transaction(async (tx) => {
        await tx.pipelines.update({ ...pipeline, name: 'Inside' });
        expect((await tx.paths.resolve(query)).pipeline?.name).toBe('Inside');
        throw new Error('roll back');
      });
      await expect(attempt).rejects.toThrow('roll back');
      expect((await store().paths.resolve(query)).pipeline).toEqual(pipeline);
    });

    it('hands out paths that cannot be changed by the caller (they may be shared)', async () => {
      const { workspace, project, pipeline } = await scene(store());
      const path = await store().paths.resolve({
        domain: workspace.domain,
        projectName: project.name,
        pipelineId: pipeline.id,
      });
      expect(() => {
        (path.pipeline as { name: string }).name = 'changed';
      }).toThrow(TypeError);
      expect(() => {
        path.pipeline!.refs.push('refs/heads/x');
      }).toThrow(TypeError);
      expect((await store().pipelines.find(pipeline.id))?.name).toBe(pipeline.name);
    });
  });
}
