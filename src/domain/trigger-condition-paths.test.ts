import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { someFileMatches } from './trigger-condition-paths.js';

describe('someFileMatches', () => {
  it.each<[string[], string[], boolean]>([
    [['src/**'], ['src/a/b.ts'], true],
    [['src/**'], ['docs/x.md', 'README.md'], false],
    [['/src/**'], ['src/a.ts'], true],
    [['*.md'], ['README.md'], true],
    [['*.md'], ['docs/guide.md'], false],
    [['**/*.md'], ['docs/guide.md'], true],
    [['docs/'], ['docs/img/a.png'], true],
    [['docs'], ['docs/a'], true],
    [['docs'], ['docs2/a', 'documentation/a'], false],
    [['/src/app/'], ['src/app/main.ts'], true],
    [['/src/app/'], ['src/apple.ts', 'src/app.ts'], false],
    [['README.md'], ['README.md'], true],
    [['README.md'], ['README.md.bak'], false],
    [['/'], ['anything/at/all'], true],
    [['.github/**'], ['.github/workflows/x.yml'], true],
    [['src/**/*.ts'], ['src/.hidden/x.ts'], true],
    [['src/*/'], ['src/a/b/c.ts'], true],
    [['src/*/'], ['src/x.ts'], false],
    [['!docs/**'], ['docs/a.md'], false],
    [['!docs/**'], ['docs/a.md', 'src/a.ts'], true],
    [['docs/', 'src/**'], ['src/x.ts'], true],
    [[' src/ '], ['src/x.ts'], true],
  ])('paths %j with changes %j: %s', (paths, changedFiles, expected) => {
    expect(someFileMatches(paths, changedFiles)).toBe(expected);
  });

  it('a directory path matches every file below it', () => {
    const segment = fc.stringMatching(/^[a-z0-9._-]{1,8}$/);
    fc.assert(
      fc.property(segment, fc.array(segment, { minLength: 1, maxLength: 4 }), (dir, rest) => {
        const file = [dir, ...rest].join('/');
        return ['', '/'].every((lead) => someFileMatches([`${lead}${dir}/`, `${lead}${dir}`], [file]));
      }),
    );
  });
});
