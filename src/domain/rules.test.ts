import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.js';
import { handleFromDisplayName, assertHandle } from './names.js';
import { normaliseRepoPath } from './repo-path.js';
import { checkRepoUrl } from './repo-url.js';
import { grants } from './scopes.js';
import { parsePlatforms } from './platform.js';

describe('domain rules', () => {
  it('derives handles the way Buddy does', () => {
    expect(handleFromDisplayName('Company Website')).toBe('company-website');
    expect(handleFromDisplayName('  Ünïcode & Friends!! ')).toBe('unicode-friends');
    expect(() => assertHandle('domain', '-x')).toThrow(ValidationError);
    expect(() => assertHandle('domain', 'ok_1-2')).not.toThrow();
  });
  it('keeps repository paths inside the root', () => {
    expect(normaliseRepoPath('p', '/contextPath')).toBe('contextPath');
    expect(normaliseRepoPath('p', '/')).toBe('');
    expect(normaliseRepoPath('p', 'a/./b/../c/')).toBe('a/c');
    expect(() => normaliseRepoPath('p', '../x')).toThrow(/stay inside/);
    expect(() => normaliseRepoPath('p', 'a/../../x')).toThrow(/stay inside/);
    expect(() => normaliseRepoPath('p', 'a\\b')).toThrow(/separator/);
  });
  it('accepts git locations and refuses option or command lookalikes', () => {
    for (const ok of [
      '/srv/repo.git',
      'file:///srv/repo.git',
      'https://git.example.com/r.git',
      'git@github.com:o/r.git',
      'ssh://git@h/r.git',
    ])
      expect(checkRepoUrl(ok)).toBe(ok);
    for (const bad of ['-oProxyCommand=x', 'ext::sh -c x', 'rel/path', 'ftp://h/r', 'https://u:p@h/r.git'])
      expect(() => checkRepoUrl(bad), bad).toThrow(ValidationError);
  });
  it('MANAGE includes RUN includes INFO, and nothing else is implied', () => {
    expect(grants(['EXECUTION_MANAGE'], 'EXECUTION_INFO')).toBe(true);
    expect(grants(['EXECUTION_RUN'], 'EXECUTION_INFO')).toBe(true);
    expect(grants(['EXECUTION_RUN'], 'EXECUTION_MANAGE')).toBe(false);
    expect(grants(['WORKSPACE'], 'PROJECT_DELETE')).toBe(false);
  });
  it('parses platforms, keeping order and $VARIABLES', () => {
    expect(parsePlatforms('f', ['linux/arm64', 'linux/amd64', 'linux/arm64'])).toEqual(['linux/arm64', 'linux/amd64']);
    expect(parsePlatforms('f', ['$PLATFORMS'])).toEqual(['$PLATFORMS']);
    expect(() => parsePlatforms('f', ['linux/386'])).toThrow(
      /allowed: linux\/amd64, linux\/arm64, linux\/arm\/v7, linux\/arm\/v6/,
    );
  });
});
