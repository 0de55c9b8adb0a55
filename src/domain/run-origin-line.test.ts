import { describe, expect, it } from 'vitest';
import { runOriginLines } from './run-origin-line.js';

const revision = {
  sha: '0123456789abcdef0123456789abcdef01234567',
  branch: 'main',
  message: 'Fix the build\n\nlonger text',
  authorName: 'A',
  authorEmail: 'a@b.c',
  authorDate: '',
  committerName: 'A',
  committerEmail: 'a@b.c',
  commitDate: '',
};

describe('runOriginLines', () => {
  it('names the push, its ref, commit and pusher, then what is built', () => {
    const lines = runOriginLines(
      { id: 7, trigger: { type: 'PUSH', ref: 'refs/heads/main', by: 'alice' }, revision },
      'admin',
    );
    expect(lines).toEqual([
      'Run #7 started by a push to refs/heads/main (0123456) by alice.',
      'Building 0123456789abcdef0123456789abcdef01234567 on main: Fix the build',
    ]);
  });
  it('names the schedule, the webhook trigger URL, or the person who asked', () => {
    const of = (type: 'SCHEDULE' | 'WEBHOOK' | 'MANUAL') =>
      runOriginLines({ id: 1, trigger: { type, ref: null, by: null }, revision: null }, 'Jo')[0];
    expect(of('SCHEDULE')).toBe('Run #1 started by its schedule.');
    expect(of('WEBHOOK')).toBe('Run #1 started by a call of its webhook trigger URL.');
    expect(of('MANUAL')).toBe('Run #1 started by Jo.');
  });
});
