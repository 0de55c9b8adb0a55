import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Secrets } from '../app/ports/secrets.js';
import { ConfigError, ValidationError } from '../domain/errors.js';

const PREFIX = 'v1.';

/**
 * AES-256-GCM with a random 96-bit nonce per value; the sealed text is "v1." + base64url(nonce|tag|ciphertext).
 * The key id (first 4 bytes of SHA-256 of the key) rides along so that a value sealed with another key is
 * recognised as foreign instead of failing obscurely.
 */
export function createSecretBox(key: Buffer): Secrets {
  if (key.length !== 32) throw new ConfigError('The secret key must be 32 bytes.');
  const keyId = createHash('sha256').update(key).digest().subarray(0, 4);

  const open = (sealed: string): string => {
    const raw = sealed.startsWith(PREFIX) ? Buffer.from(sealed.slice(PREFIX.length), 'base64url') : Buffer.alloc(0);
    if (raw.length < 4 + 12 + 16 || !raw.subarray(0, 4).equals(keyId)) {
      throw new ValidationError(
        "An encrypted value was not made with this server's key; send the plain value instead.",
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(4, 16));
    decipher.setAuthTag(raw.subarray(16, 32));
    try {
      return Buffer.concat([decipher.update(raw.subarray(32)), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new ValidationError('An encrypted value is damaged; send the plain value instead.', { cause: error });
    }
  };

  return {
    seal(plain) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([keyId, nonce, cipher.getAuthTag(), body]).toString('base64url');
    },
    open,
    isSealed(text) {
      try {
        open(text);
        return true;
      } catch {
        return false;
      }
    },
    digestToken: (token) => createHash('sha256').update(token).digest('hex'),
    newToken: () => randomBytes(32).toString('base64url'),
  };
}
