import { describe, expect, it } from 'vitest';
import { scene, useStore, type MakeStore } from './contract-fixtures.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

/** What the triggers remember: the git refs as polled, and each project's poll. */
export function triggerContract(makeStore: MakeStore): void {
  describe('git refs', () => {
    const store = useStore(makeStore);

    it('records each move of a ref once, compare-and-set on its count of moves', async () => {
      const { project } = await scene(store());
      const refs = store().gitRefs;
      expect(await refs.moveRef(project.id, 'refs/heads/main', 0, A)).toBe(true);
      expect(await refs.moveRef(project.id, 'refs/heads/main', 0, A)).toBe(false);
      expect(await refs.moveRef(project.id, 'refs/heads/main', 1, B)).toBe(true);
      expect(await refs.moveRef(project.id, 'refs/heads/main', 1, A)).toBe(false);
      expect(await refs.refs(project.id)).toEqual(new Map([['refs/heads/main', { sha: B, moves: 2 }]]));
    });

    it('keeps a deleted ref with its count, which goes on when the ref comes back', async () => {
      const { project } = await scene(store());
      const refs = store().gitRefs;
      await refs.moveRef(project.id, 'refs/heads/topic', 0, A);
      expect(await refs.moveRef(project.id, 'refs/heads/topic', 1, null)).toBe(true);
      expect(await refs.refs(project.id)).toEqual(new Map([['refs/heads/topic', { sha: null, moves: 2 }]]));
      expect(await refs.moveRef(project.id, 'refs/heads/topic', 2, A)).toBe(true);
      expect(await refs.refs(project.id)).toEqual(new Map([['refs/heads/topic', { sha: A, moves: 3 }]]));
    });

    it('keeps the refs when the poll is removed, so a new poll counts on', async () => {
      const { project } = await scene(store());
      const refs = store().gitRefs;
      await refs.ensurePoll(project.id, new Date('2030-01-01T00:00:00Z'));
      await refs.moveRef(project.id, 'refs/heads/main', 0, A);
      await refs.removePoll(project.id);
      expect(await refs.pollOf(project.id)).toBeUndefined();
      expect((await refs.refs(project.id)).get('refs/heads/main')).toEqual({ sha: A, moves: 1 });
    });

    it('marks a first read done once (compare-and-set), inside a transaction too', async () => {
      const { project } = await scene(store());
      await store().gitRefs.ensurePoll(project.id, new Date('2030-01-01T00:00:00Z'));
      expect((await store().gitRefs.pollOf(project.id))?.recorded).toBe(false);
      expect(await store().transaction((tx) => tx.gitRefs.markRecorded(project.id))).toBe(true);
      expect(await store().gitRefs.markRecorded(project.id)).toBe(false);
      expect((await store().gitRefs.pollOf(project.id))?.recorded).toBe(true);
    });

    it("drops a project's refs with the project", async () => {
      const { project } = await scene(store());
      await store().gitRefs.moveRef(project.id, 'refs/heads/main', 0, A);
      await store().projects.remove(project.id);
      expect((await store().gitRefs.refs(project.id)).size).toBe(0);
    });
  });
}
