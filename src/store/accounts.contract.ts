import { describe, expect, it } from 'vitest';
import type { NewToken } from '../app/ports/store.js';
import { ConflictError } from '../domain/errors.js';
import { ALL, jobSpec, page, runScene, unique, useStore, type MakeStore } from './contract-fixtures.js';

/** Users, access tokens and agents: the identities behind requests. */
export function accountContract(makeStore: MakeStore): void {
  userContract(makeStore);
  tokenContract(makeStore);
  agentContract(makeStore);
}

function userContract(makeStore: MakeStore): void {
  describe('users', () => {
    const store = useStore(makeStore);

    it('creates and reads users; first() is the oldest', async () => {
      expect(await store().users.first()).toBeUndefined();
      const admin = await store().users.create({ name: 'admin', email: 'admin@example.com' });
      const other = await store().users.create({ name: 'other', email: 'other@example.com' });
      expect(admin).toEqual({
        id: expect.any(Number),
        name: 'admin',
        email: 'admin@example.com',
        createdAt: expect.any(Date),
      });
      expect(other.id).toBeGreaterThan(admin.id);
      expect(await store().users.byId(other.id)).toEqual(other);
      expect(await store().users.byId(other.id + 1000)).toBeUndefined();
      expect(await store().users.first()).toEqual(admin);
    });
  });
}

function tokenContract(makeStore: MakeStore): void {
  describe('tokens', () => {
    const store = useStore(makeStore);
    const token = (userId: number, over: Partial<NewToken> = {}): NewToken => ({
      id: unique('tok'),
      userId,
      name: 'ci',
      tokenHash: unique('hash'),
      scopes: ['WORKSPACE', 'EXECUTION_RUN'],
      workspaceRestrictions: ['acme'],
      ipRestrictions: [],
      expiresAt: null,
      ...over,
    });

    it('round-trips a token (without its hash), found by hash and by id of its user only', async () => {
      const user = await store().users.create({ name: 'u', email: 'u@example.com' });
      const input = token(user.id, { expiresAt: new Date('2031-02-03T04:05:06.789Z') });
      const made = await store().tokens.create(input);
      const { tokenHash: _hash, ...visible } = input;
      expect(made).toEqual({ ...visible, createdAt: expect.any(Date) });
      expect(made).not.toHaveProperty('tokenHash');
      expect(await store().tokens.byHash(input.tokenHash)).toEqual(made);
      expect(await store().tokens.byHash('nope')).toBeUndefined();
      expect(await store().tokens.byId(user.id, input.id)).toEqual(made);
      expect(await store().tokens.byId(user.id + 1000, input.id)).toBeUndefined();
    });

    it('refuses a hash or an id that exists with ConflictError', async () => {
      const user = await store().users.create({ name: 'u', email: 'u@example.com' });
      const first = await store().tokens.create(token(user.id));
      const hash = unique('hash');
      await store().tokens.create(token(user.id, { tokenHash: hash }));
      await expect(store().tokens.create(token(user.id, { tokenHash: hash }))).rejects.toThrow(ConflictError);
      await expect(store().tokens.create(token(user.id, { id: first.id }))).rejects.toThrow(ConflictError);
    });

    it("lists a user's tokens oldest first, paged; counts and removes", async () => {
      const user = await store().users.create({ name: 'u', email: 'u@example.com' });
      const stranger = await store().users.create({ name: 's', email: 's@example.com' });
      const before = await store().tokens.count();
      const ids = [];
      for (let i = 0; i < 3; i++) {
        ids.push((await store().tokens.create(token(user.id, { id: `t${i}-${unique('x')}` }))).id);
        await new Promise((r) => setTimeout(r, 2)); // distinct created_at
      }
      await store().tokens.create(token(stranger.id));
      expect((await store().tokens.list(user.id, ALL)).map((t) => t.id)).toEqual(ids);
      expect((await store().tokens.list(user.id, page(2, 2))).map((t) => t.id)).toEqual([ids[2]]);
      expect(await store().tokens.list(user.id, page(3, 2))).toEqual([]);
      expect(await store().tokens.count()).toBe(before + 4);
      await store().tokens.remove(ids[0]!);
      expect(await store().tokens.byId(user.id, ids[0]!)).toBeUndefined();
      expect(await store().tokens.count()).toBe(before + 3);
    });
  });
}

function agentContract(makeStore: MakeStore): void {
  describe('agents', () => {
    const store = useStore(makeStore);

    it('registers, finds by token hash, touches and removes', async () => {
      const id = unique('agent');
      const made = await store().agents.create({
        id,
        name: 'arm box',
        labels: ['platform=linux/arm64'],
        tokenHash: `${id}-hash`,
      });
      expect(made).toEqual({
        id,
        name: 'arm box',
        labels: ['platform=linux/arm64'],
        workspaceIds: null,
        createdAt: expect.any(Date),
        lastSeenAt: null,
        platforms: null,
      });
      expect(await store().agents.byTokenHash(`${id}-hash`)).toEqual(made);
      expect(await store().agents.byId(id)).toEqual(made);
      expect((await store().agents.list()).map((a) => a.id)).toContain(id);
      const at = new Date('2030-01-01T00:00:00.000Z');
      await store().agents.touch(id, at);
      expect((await store().agents.byTokenHash(`${id}-hash`))?.lastSeenAt).toEqual(at);
      await store().agents.remove(id);
      expect(await store().agents.byTokenHash(`${id}-hash`)).toBeUndefined();
    });

    it('records what an agent reports it runs, with the time it was seen, and keeps it across a touch', async () => {
      const id = unique('agent');
      await store().agents.create({ id, name: 'x86 box', labels: [], tokenHash: `${id}-hash` });
      const at = new Date('2030-01-02T03:04:05.006Z');
      const platforms = {
        hostPlatform: 'linux/amd64' as const,
        native: ['linux/arm64' as const, 'linux/arm/v7' as const],
        emulated: ['linux/arm64' as const, 'linux/arm/v7' as const, 'linux/arm/v6' as const],
      };
      await store().agents.report(id, platforms, at);
      expect(await store().agents.byId(id)).toMatchObject({ platforms, lastSeenAt: at });
      await store().agents.touch(id, new Date('2030-01-02T03:05:00.000Z'));
      expect((await store().agents.byTokenHash(`${id}-hash`))?.platforms).toEqual(platforms);
      const unknownHost = { hostPlatform: null, native: [], emulated: [] };
      await store().agents.report(id, unknownHost, at);
      expect((await store().agents.list()).find((a) => a.id === id)?.platforms).toEqual(unknownHost);
    });

    it('lists the RUNNING jobs an agent holds, with their execution, pipeline, project and workspace', async () => {
      const [holder, idle] = [unique('agent'), unique('agent')];
      for (const id of [holder, idle]) await store().agents.create({ id, name: id, labels: [], tokenHash: `${id}-h` });
      const run = await runScene(store());
      const far = new Date('2100-01-01T00:00:00.000Z');
      const job = await store().jobs.enqueue({
        actionExecutionId: run.actionExecutionId,
        executionId: run.executionId,
        pipelineId: run.pipeline.id,
        priority: 0,
        notBefore: new Date('2020-01-01T00:00:00.000Z'),
        spec: jobSpec(run.executionId, run.actionExecutionId),
      });
      expect(await store().agents.held([holder])).toEqual([]);
      const claimed = await store().jobs.claim(holder, new Date(), far);
      expect(claimed?.id).toBe(job.id);
      const held = {
        agentId: holder,
        jobId: job.id,
        attempt: 1,
        kind: 'BUILD',
        platform: null,
        executionId: run.executionId,
        actionExecutionId: run.actionExecutionId,
        actionId: run.action.id,
        pipelineId: run.pipeline.id,
        projectName: run.project.name,
        workspaceDomain: run.workspace.domain,
      };
      expect(await store().agents.held([holder, idle])).toEqual([held]);
      expect(await store().agents.held([idle])).toEqual([]);
      expect(await store().agents.held([])).toEqual([]);
      await store().jobs.finish(job.id, 1);
      expect(await store().agents.held([holder])).toEqual([]);
    });

    it('keeps the workspaces a scoped agent serves', async () => {
      const id = unique('agent');
      await store().agents.create({ id, name: 'scoped', labels: [], workspaceIds: [3, 5], tokenHash: `${id}-h` });
      expect((await store().agents.byId(id))?.workspaceIds).toEqual([3, 5]);
      expect(await store().agents.byId(`${id}-none`)).toBeUndefined();
    });

    it('refuses a token hash that is taken with ConflictError', async () => {
      const hash = unique('hash');
      await store().agents.create({ id: unique('a'), name: 'one', labels: [], tokenHash: hash });
      await expect(
        store().agents.create({ id: unique('a'), name: 'two', labels: [], tokenHash: hash }),
      ).rejects.toThrow(ConflictError);
    });
  });
}
