import { describe, expect, it } from 'vitest';
import { maskSecrets as maskText } from '../domain/secret-masking.js';
import { splitCredentials } from './git-credentials.js';
import { gitLine } from './git-run.js';

describe('git credentials masking', () => {
  it('hides a URL-encoded password (and its plain form) in git errors', () => {
    const password = 'p@ss/w:rd#1';
    const safe = splitCredentials({ url: 'https://git.example.com/r.git', user: 'reader', password });
    const stderr = [
      `remote: bad password ${password}`,
      `fatal: unable to access 'https://git.example.com/r.git?auth=${encodeURIComponent(password)}': denied`,
    ].join('\n');
    expect(gitLine(stderr, safe.secrets)).toBe(
      "fatal: unable to access 'https://git.example.com/r.git?auth=***': denied",
    );
    expect(maskText(stderr, safe.secrets)).not.toMatch(/p@ss|p%40ss/);
  });

  it('hides a password taken out of the URL, however git shows it', () => {
    const safe = splitCredentials({
      url: 'https://reader:p%40ss%2Fw0rd@git.example.com/r.git',
      user: null,
      password: null,
    });
    expect(safe.url).toBe('https://git.example.com/r.git');
    expect(safe.password).toBe('p@ss/w0rd');
    expect(maskText('could not read p%40ss%2Fw0rd nor p@ss/w0rd', safe.secrets)).toBe('could not read *** nor ***');
  });
});
