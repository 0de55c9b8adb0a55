import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RevisionSource } from '../app/ports/revision-source.js';

type Source = Parameters<RevisionSource['resolve']>[1];

/** A RevisionSource and the repository it is asked about, made once per contract run. */
export interface RevisionSourceUnderContract {
  revisions: RevisionSource;
  /**
   * A repository whose default branch (its HEAD) is `main`, with a second branch `dev`; `older` is a commit on
   * main that is no branch's tip.
   */
  source: Source;
  tips: { main: string; dev: string };
  older: { sha: string; message: string };
  /** An annotated tag `v1` on `older`; `dev` changed `app.txt` and nothing else since it left main. */
  tags: { v1: string };
  /** The same repository behind a password (`password` is the right one). */
  guarded: Source & { user: string; password: string };
  close(): Promise<void>;
}

const SENTENCE = /^[A-Z][^\n]*\.$/;

/**
 * The contract of the `RevisionSource` port (app/ports/revision-source.ts): the git adapter runs it over real
 * repositories in `test/git/revision-source.test.ts`. Project keys are unique per call, so each resolve may start
 * from nothing.
 */
export function runRevisionSourceContract(name: string, make: () => Promise<RevisionSourceUnderContract>): void {
  describe(`RevisionSource contract: ${name}`, () => {
    let s: RevisionSourceUnderContract;
    let keys = 0;
    const resolve = (
      request: { branch?: string; revision?: string },
      defaultBranch = 'main',
      source: Source = s.source,
    ) =>
      s.revisions.resolve(
        `contract-${++keys}`,
        source,
        { branch: request.branch ?? null, revision: request.revision ?? null },
        defaultBranch,
      );
    /** The rejection of `attempt`, which must be an Error with a one-line sentence. */
    const rejection = async (attempt: Promise<unknown>): Promise<Error> => {
      const error = await attempt.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(SENTENCE);
      return error as Error;
    };
    beforeAll(async () => {
      s = await make();
    });
    afterAll(async () => {
      await s?.close();
    });

    it("resolves a branch to its tip, with the commit's metadata", async () => {
      const dev = await resolve({ branch: 'dev' });
      expect(dev).toMatchObject({ sha: s.tips.dev, branch: 'dev' });
      for (const field of ['message', 'authorName', 'authorEmail', 'committerName', 'committerEmail'] as const)
        expect(dev[field], field).not.toBe('');
      for (const field of ['authorDate', 'commitDate'] as const)
        expect(Number.isNaN(Date.parse(dev[field])), `${field} ${dev[field]}`).toBe(false);
      expect(await resolve({ branch: 'main' })).toMatchObject({ sha: s.tips.main, branch: 'main' });
    });

    it('resolves a full sha to that commit, on no branch', async () => {
      expect(await resolve({ revision: s.older.sha })).toMatchObject({
        sha: s.older.sha,
        branch: null,
        message: s.older.message,
      });
    });

    it("resolves HEAD to the default branch's tip, and to the repository's HEAD when no default is set", async () => {
      expect(await resolve({})).toMatchObject({ sha: s.tips.main, branch: 'main' });
      expect(await resolve({ revision: 'HEAD' })).toMatchObject({ sha: s.tips.main, branch: 'main' });
      expect(await resolve({}, 'dev')).toMatchObject({ sha: s.tips.dev, branch: 'dev' });
      expect(await resolve({ branch: 'dev', revision: 'HEAD' })).toMatchObject({ sha: s.tips.dev, branch: 'dev' });
      expect(await resolve({}, '')).toMatchObject({ sha: s.tips.main, branch: 'main' });
    });

    it('lists branches and tags, an annotated tag as the commit it points at', async () => {
      const refs = await s.revisions.listRefs(s.source);
      expect(Object.fromEntries(refs)).toEqual({
        'refs/heads/main': s.tips.main,
        'refs/heads/dev': s.tips.dev,
        'refs/tags/v1': s.tags.v1,
      });
      expect(Object.fromEntries(await s.revisions.listRefs(s.guarded))).toEqual(Object.fromEntries(refs));
      const wrong = await rejection(s.revisions.listRefs({ ...s.guarded, password: `${s.guarded.password}-x` }));
      expect(`${wrong.message}\n${String(wrong.stack)}`).not.toContain(s.guarded.password);
    });

    it('resolves a tag to its commit', async () => {
      const key = `contract-${++keys}`;
      const tagged = await s.revisions.resolve(key, s.source, { branch: null, revision: null, tag: 'v1' }, 'main');
      expect(tagged.sha).toBe(s.tags.v1);
      expect(
        (await rejection(s.revisions.resolve(key, s.source, { branch: null, revision: null, tag: 'v9' }, 'main')))
          .message,
      ).toContain('v9');
    });

    it('lists the files a commit changed since another (three-dot), null when one is not there', async () => {
      const key = `contract-${++keys}`;
      await s.revisions.resolve(key, s.source, { branch: 'dev', revision: null }, 'main');
      expect(await s.revisions.changedFiles(key, s.source, s.tips.main, s.tips.dev)).toEqual(['app.txt']);
      expect(await s.revisions.changedFiles(key, s.source, s.older.sha, s.tips.main)).toEqual(['app.txt']);
      expect(await s.revisions.changedFiles(key, s.source, s.tips.dev, s.tips.dev)).toEqual([]);
      const missing = s.older.sha.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      expect(await s.revisions.changedFiles(key, s.source, missing, s.tips.dev)).toBeNull();
    });

    it('rejects an unknown branch, default branch or commit with a sentence naming it', async () => {
      expect((await rejection(resolve({ branch: 'nope' }))).message).toContain('"nope"');
      expect((await rejection(resolve({}, 'gone'))).message).toContain('"gone"');
      const missing = s.older.sha.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      expect((await rejection(resolve({ revision: missing }))).message).toContain(missing);
    });

    it('never puts a password in an error: a wrong one, a right one in a failing resolve, one in the URL', async () => {
      const { password } = s.guarded;
      const wrong = `${password}-wrong`;
      const withWrong = { ...s.guarded, password: wrong };
      const url = new URL(s.guarded.url);
      url.username = s.guarded.user;
      url.password = password;
      const inUrl = { url: url.toString(), user: null, password: null };
      const errors = [
        await rejection(resolve({}, 'main', withWrong)),
        await rejection(resolve({ branch: 'nope' }, 'main', s.guarded)),
        await rejection(resolve({ branch: 'nope' }, 'main', inUrl)),
      ];
      expect((await resolve({}, 'main', s.guarded)).sha).toBe(s.tips.main);
      for (const e of errors) {
        const shown = `${e.message}\n${String(e.stack)}\n${JSON.stringify(e)}`;
        expect(shown).not.toContain(password);
        expect(shown).not.toContain(wrong);
        expect(shown).not.toContain(encodeURIComponent(password));
      }
    });
  });
}
