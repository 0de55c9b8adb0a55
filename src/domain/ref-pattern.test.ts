import { describe, expect, it } from 'vitest';
import { branchOf, refMatches, refsMatch, skipsCi, tagOf } from './ref-pattern.js';

describe('ref patterns', () => {
  it.each([
    ['main', 'refs/heads/main', true],
    ['main', 'refs/heads/main2', false],
    ['main', 'refs/tags/main', false],
    ['refs/heads/*', 'refs/heads/feature/x', true],
    ['refs/heads/*', 'refs/tags/v1', false],
    ['refs/tags/v*', 'refs/tags/v1.2.3', true],
    ['refs/tags/v*', 'refs/tags/release-1', false],
    ['feature/*', 'refs/heads/feature/a/b', true],
    ['release-1.0', 'refs/heads/release-1x0', false],
    ['(a|b)', 'refs/heads/a', false],
  ])('%s matches %s: %s', (pattern, ref, expected) => {
    expect(refMatches(pattern, ref)).toBe(expected);
  });

  it('takes no patterns as every branch, no tag', () => {
    expect(refsMatch([], 'refs/heads/anything')).toBe(true);
    expect(refsMatch([], 'refs/tags/v1')).toBe(false);
    expect(refsMatch(['main', 'refs/tags/*'], 'refs/tags/v1')).toBe(true);
  });

  it('names branches and tags', () => {
    expect(branchOf('refs/heads/a/b')).toBe('a/b');
    expect(branchOf('refs/tags/v1')).toBeNull();
    expect(tagOf('refs/tags/v1')).toBe('v1');
  });

  it("reads Buddy's commit commands in any case", () => {
    expect(skipsCi('Fix typo [skip ci]')).toBe(true);
    expect(skipsCi('[CI SKIP] docs')).toBe(true);
    expect(skipsCi('x\n\n[buddy skip]')).toBe(true);
    expect(skipsCi('[skip buddy]')).toBe(true);
    expect(skipsCi('skip ci')).toBe(false);
  });
});
