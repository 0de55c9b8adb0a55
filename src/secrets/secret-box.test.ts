import { createCipheriv, createHash } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSecretKey } from './key-source.js';
import { createSecretBox } from './secret-box.js';

describe('secret box', () => {
  const box = createSecretBox(Buffer.alloc(32, 7));
  const owner = 'ws:1:action.password';
  it('seals with a fresh nonce and opens what it sealed', () => {
    const a = box.seal('hunter2', owner);
    expect(a).not.toContain('hunter2');
    expect(box.seal('hunter2', owner)).not.toBe(a);
    expect(box.open(a, owner)).toBe('hunter2');
    expect(box.isSealed(a)).toBe(true);
    expect(box.isUnbound(a)).toBe(false);
    expect(box.isSealed('hunter2')).toBe(false);
  });
  it('refuses values of another key and damaged values', () => {
    const other = createSecretBox(Buffer.alloc(32, 8));
    expect(() => other.open(box.seal('x', owner), owner)).toThrow(/not made with this server's key/);
    const sealed = box.seal('x', owner);
    expect(() => box.open(sealed.slice(0, -2) + (sealed.endsWith('AA') ? 'BB' : 'AA'), owner)).toThrow(/damaged/);
  });
  it('binds a value to its owner: it does not open for another workspace or field', () => {
    const sealed = box.seal('x', 'ws:1:variable');
    expect(() => box.open(sealed, 'ws:2:variable')).toThrow(/another field or workspace/);
    expect(() => box.open(sealed, 'ws:1:action.password')).toThrow(/another field or workspace/);
    expect(box.open(sealed, 'ws:1:variable')).toBe('x');
  });
  it('still opens a value sealed before owners were bound (v1), for any owner', () => {
    const v2 = box.seal('legacy', owner);
    // A v1 value is the same layout without associated data: rebuild one from the primitives.
    const key = Buffer.alloc(32, 7);
    const nonce = Buffer.alloc(12, 1);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    const body = Buffer.concat([cipher.update('legacy', 'utf8'), cipher.final()]);
    const keyId = Buffer.from(v2.slice(3), 'base64url').subarray(0, 4);
    const v1 = 'v1.' + Buffer.concat([keyId, nonce, cipher.getAuthTag(), body]).toString('base64url');
    expect(box.open(v1, 'ws:9:anything')).toBe('legacy');
    expect(box.isUnbound(v1)).toBe(true);
  });
  it('keys its digests: equal texts are equal under one key, differ under another, and are not a plain sha256', () => {
    const other = createSecretBox(Buffer.alloc(32, 8));
    const text = '{"buildArgs":[["TOKEN","hunter2"]]}';
    expect(box.keyedDigest(text)).toBe(box.keyedDigest(text));
    expect(box.keyedDigest(text)).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(box.keyedDigest(text)).not.toBe(other.keyedDigest(text));
    expect(box.keyedDigest(text)).not.toBe(box.keyedDigest(`${text} `));
    expect(box.keyedDigest(text)).not.toContain(createHash('sha256').update(text).digest('hex'));
  });
  it('makes a key file with mode 0600 once and reads it back; env keys of every form', () => {
    const dir = mkdtempSync(join(tmpdir(), 'archway-key-'));
    const first = loadSecretKey({ dataDir: dir });
    expect(statSync(join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(loadSecretKey({ dataDir: dir }).equals(first)).toBe(true);
    expect(loadSecretKey({ dataDir: dir, secretKey: 'ab'.repeat(32) }).toString('hex')).toBe('ab'.repeat(32));
    expect(
      loadSecretKey({ dataDir: dir, secretKey: Buffer.alloc(32, 1).toString('base64') }).equals(Buffer.alloc(32, 1)),
    ).toBe(true);
    expect(loadSecretKey({ dataDir: dir, secretKey: 'a passphrase' })).toHaveLength(32);
  });
});
