import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSecretKey } from './key-source.js';
import { createSecretBox } from './secret-box.js';

describe('secret box', () => {
  const box = createSecretBox(Buffer.alloc(32, 7));
  it('seals with a fresh nonce and opens what it sealed', () => {
    const a = box.seal('hunter2');
    expect(a).not.toContain('hunter2');
    expect(box.seal('hunter2')).not.toBe(a);
    expect(box.open(a)).toBe('hunter2');
    expect(box.isSealed(a)).toBe(true);
    expect(box.isSealed('hunter2')).toBe(false);
  });
  it('refuses values of another key and damaged values', () => {
    const other = createSecretBox(Buffer.alloc(32, 8));
    expect(() => other.open(box.seal('x'))).toThrow(/not made with this server's key/);
    const sealed = box.seal('x');
    expect(() => box.open(sealed.slice(0, -2) + (sealed.endsWith('AA') ? 'BB' : 'AA'))).toThrow(/damaged|key/);
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
