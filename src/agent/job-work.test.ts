import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BuildRequest } from '../app/ports/job-work.js';
import type { WorkTrees } from '../app/ports/work-trees.js';
import type { JobSpec } from '../domain/job-spec.js';
import { createJobWork } from './job-work.js';

describe('job work: FILE variables', () => {
  const root = mkdtempSync(join(tmpdir(), 'archway-jobwork-'));
  const outside = join(root, 'outside');
  mkdirSync(outside);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** A work tree holding one committed symbolic link, `conf`, that points out of it. */
  const trees: WorkTrees = {
    async materialize(_key, _source, _sha, dir) {
      mkdirSync(dir, { recursive: true });
      symlinkSync(outside, join(dir, 'conf'));
      mkdirSync(join(dir, 'app'));
    },
    discard: async (dir) => rmSync(dir, { recursive: true, force: true }),
    forget: async () => undefined,
  };
  const spec = (path: string) =>
    ({
      projectKey: 'p1',
      repository: { url: 'file:///nowhere', user: null, password: null },
      sha: 'a'.repeat(40),
      refresh: false,
      files: [{ path, content: 'the content', mode: 0o600 }],
      build: { secret: null, contextPath: '', dockerfilePath: 'Dockerfile' },
      mask: [],
    }) as unknown as JobSpec;
  const run = async (path: string, dir: string) => {
    const seen: string[] = [];
    const work = createJobWork({
      trees,
      build: async (r: BuildRequest) => (seen.push(readFileSync(join(r.repoRoot, path), 'utf8')), null),
    });
    const ctx = { dir, log: () => undefined, signal: new AbortController().signal, progress: () => undefined };
    return work(spec(path), ctx).then(() => seen);
  };

  it('refuses a path through a committed link before creating anything through it', async () => {
    await expect(run('conf/deep/er/key.pem', join(root, 'job1'))).rejects.toThrow(/leaves the repository/);
    expect(existsSync(join(outside, 'deep'))).toBe(false);
  });

  it('writes a FILE variable in new directories inside the work tree', async () => {
    expect(await run('app/new/dir/key.pem', join(root, 'job2'))).toEqual(['the content']);
  });
});
