import { randomBytes, scryptSync } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The 32-byte key that seals secrets at rest: ARCHWAY_SECRET_KEY when given (64 hex characters, base64 of
 * 32 bytes, or any passphrase, stretched with scrypt), else `secret.key` in the data dir, made on first start
 * with mode 0600. Losing the key makes stored secrets unreadable, so the file is never rewritten.
 */
export function loadSecretKey(opts: { secretKey?: string; dataDir: string }): Buffer {
  if (opts.secretKey) return keyFromText(opts.secretKey);
  const file = join(opts.dataDir, 'secret.key');
  if (!existsSync(file)) {
    writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  return keyFromText(readFileSync(file, 'utf8').trim());
}

function keyFromText(text: string): Buffer {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  const decoded = Buffer.from(text, 'base64');
  if (decoded.length === 32 && decoded.toString('base64').replace(/=+$/, '') === text.replace(/=+$/, ''))
    return decoded;
  return scryptSync(text, 'archway-secret-key-v1', 32);
}
