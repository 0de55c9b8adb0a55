import { describe, expect, it } from 'vitest';
import { compareVersions, parseVersion, versionAtLeast } from './version.js';

describe('parseVersion', () => {
  it.each([
    ['buildah version 1.28.2 (image-spec 1.1.0-rc2, runtime-spec 1.0.2-dev)\n', '1.28.2', [1, 28, 2]],
    ['runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev\ngo: go1.19.8\n', '1.1.5+ds1', [1, 1, 5]],
    ['skopeo version 1.9.3\n', '1.9.3', [1, 9, 3]],
    ['docker-registry github.com/docker/distribution 2.8.2+ds1\n', '2.8.2+ds1', [2, 8, 2]],
    ['git version 2.39.5\n', '2.39.5', [2, 39, 5]],
    ['tool v3.4\n', '3.4', [3, 4, 0]],
  ])('reads %j', (output, text, [major, minor, patch]) => {
    expect(parseVersion(output)).toEqual({ major, minor, patch, text });
  });

  it('returns null when there is no version', () => {
    expect(parseVersion('usage: buildah [flags]')).toBeNull();
    expect(parseVersion('')).toBeNull();
  });
});

describe('versionAtLeast', () => {
  const v = (s: string) => parseVersion(s)!;
  it('compares numerically, not as text', () => {
    expect(versionAtLeast(v('1.28.2'), '1.28')).toBe(true);
    expect(versionAtLeast(v('1.28.0'), '1.28')).toBe(true);
    expect(versionAtLeast(v('1.9.3'), '1.28')).toBe(false);
    expect(versionAtLeast(v('1.27.9'), '1.28')).toBe(false);
    expect(versionAtLeast(v('2.0'), '1.28')).toBe(true);
    expect(compareVersions(v('1.28.10'), v('1.28.9'))).toBeGreaterThan(0);
  });

  it('throws on a malformed minimum', () => {
    expect(() => versionAtLeast(v('1.0'), 'latest')).toThrow(/bad minimum/);
  });
});
