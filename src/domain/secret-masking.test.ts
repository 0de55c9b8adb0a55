import { describe, expect, it } from 'vitest';
import { createMasker, MASK, maskSecrets, secretForms } from './secret-masking.js';

const pw = 'p@ss w/rd:x#?%é+&"\\';

describe('maskSecrets', () => {
  it('hides a plain secret', () => {
    expect(maskSecrets('login with hunter22 ok', ['hunter22'])).toBe('login with *** ok');
  });

  it('hides the URL-encoded forms: encodeURIComponent, the URL parser form, form-encoding, lower-case hex', () => {
    const parsed = new URL('http://h');
    parsed.password = pw;
    const forms = [
      encodeURIComponent(pw),
      parsed.password, // only reserved characters encoded: "p%40ss%20w%2Frd%3Ax%23%3F%%C3%A9+&%22%5C"
      new URLSearchParams({ q: pw }).toString().slice(2),
      encodeURIComponent(pw).toLowerCase(),
    ];
    expect(new Set(forms).size).toBe(4);
    for (const form of forms)
      expect(maskSecrets(`https://example.com/x?q=${form}&y=1`, [pw])).toBe('https://example.com/x?q=***&y=1');
  });

  it('hides the base64 of user:password (Basic auth, docker auth files) when a user is known', () => {
    const basic = Buffer.from(`robot:${pw}`).toString('base64');
    expect(maskSecrets(`Authorization: Basic ${basic}`, [{ user: 'robot', password: pw }])).toBe(
      'Authorization: Basic ***',
    );
    expect(maskSecrets(`{"auths":{"r.io":{"auth":"${basic}"}}}`, [{ user: 'robot', password: pw }])).toBe(
      '{"auths":{"r.io":{"auth":"***"}}}',
    );
    // The user alone is no secret; the password itself is still hidden.
    expect(maskSecrets(`robot ${pw}`, [{ user: 'robot', password: pw }])).toBe('robot ***');
  });

  it('hides the JSON-escaped form', () => {
    const secret = 'a"b\\c\nd\te';
    const json = JSON.stringify({ password: secret });
    expect(json).not.toContain(secret);
    expect(maskSecrets(json, [secret])).toBe('{"password":"***"}');
  });

  it('hides overlapping and nested secrets whole, in one marker', () => {
    expect(maskSecrets('key=abcdefgh;', ['cdef', 'abcdefgh'])).toBe('key=***;');
    expect(maskSecrets('key=abcdefgh;', ['abcdef', 'defgh'])).toBe('key=***;');
    expect(maskSecrets('x abcdef y cdef z', ['abcdef', 'cdef'])).toBe('x *** y *** z');
  });

  it('treats regular expression metacharacters in a secret as text', () => {
    const secret = '.*+?^${}()|[]\\/';
    expect(maskSecrets(`a ${secret} b`, [secret])).toBe('a *** b');
    expect(maskSecrets('nothing to see here', ['.*.*'])).toBe('nothing to see here');
    expect(maskSecrets('abc', ['a|b|c'])).toBe('abc');
  });

  it('hides every occurrence of a secret', () => {
    const line = Array.from({ length: 50 }, (_, i) => `${i}:s3cr3t`).join(' ');
    const masked = maskSecrets(line, ['s3cr3t']);
    expect(masked).not.toContain('s3cr3t');
    expect(masked.split(MASK)).toHaveLength(51);
    expect(maskSecrets('s3cr3ts3cr3t', ['s3cr3t'])).toBe('******');
  });

  it('leaves text alone with no secrets, and ignores empty, missing and short ones', () => {
    expect(maskSecrets('nothing to hide', [])).toBe('nothing to hide');
    expect(maskSecrets('a ab abc abcd', ['', null, undefined, 'a', 'ab', 'abc', { user: 'u', password: null }])).toBe(
      'a ab abc abcd',
    );
    expect(maskSecrets('a ab abc abcd', ['abcd'])).toBe('a ab abc ***');
    expect(secretForms('abc')).toEqual([]);
  });

  it('hides the password of any user:password@ URL, known or not', () => {
    expect(maskSecrets('fetch https://bob:unknown-pw@git.example.com/r.git failed', [])).toBe(
      'fetch https://bob:***@git.example.com/r.git failed',
    );
    expect(maskSecrets('ssh://git@host/r.git http://host:8080/x', [])).toBe('ssh://git@host/r.git http://host:8080/x');
  });

  it('never throws, also for a lone surrogate in a secret', () => {
    const odd = 'ab\ud800cd';
    expect(maskSecrets(`x ${odd} y`, [odd])).toBe('x *** y');
  });

  it('a masker computes the forms once and masks many lines the same way', () => {
    const mask = createMasker(['hunter22', { user: 'robot', password: pw }]);
    expect(mask('hunter22')).toBe('***');
    expect(mask(`p=${encodeURIComponent(pw)}`)).toBe('p=***');
    expect(mask('clean line')).toBe('clean line');
  });
});
