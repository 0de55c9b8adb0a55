import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { Secrets } from '../app/ports/secrets.js';
import { ConfigError, ValidationError } from '../domain/errors.js';
import { looksSealed } from '../domain/sealed-form.js';

/** Sealed with the owner as associated data. */
const BOUND = 'v2.';
/** Sealed by a version before owners were bound: opens for any owner. */
const UNBOUND = 'v1.';

/**
 * AES-256-GCM with a random 96-bit nonce per value; the sealed text is "v2." + base64url(keyId|nonce|tag|ciphertext)
 * and the owner (workspace and field, or job) is the associated data, so a value opens only where it was sealed.
 * The key id (first 4 bytes of SHA-256 of the key) rides along so that a value sealed with another key is
 * recognised as foreign instead of failing obscurely.
 */
export function createSecretBox(key: Buffer): Secrets {
  if (key.length !== 32) throw new ConfigError('The secret key must be 32 bytes.');
  const keyId = createHash('sha256').update(key).digest().subarray(0, 4);
  // Its own key for digests, so that no output of the digest is ever computed with the sealing key itself.
  const digestKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'archway keyed digest', 32));

  const rawOf = (sealed: string): Buffer | null => {
    const prefix = sealed.startsWith(BOUND) ? BOUND : sealed.startsWith(UNBOUND) ? UNBOUND : null;
    if (prefix === null) return null;
    const raw = Buffer.from(sealed.slice(prefix.length), 'base64url');
    return raw.length >= 4 + 12 + 16 && raw.subarray(0, 4).equals(keyId) ? raw : null;
  };

  return {
    seal(plain, owner) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(Buffer.from(owner, 'utf8'));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return BOUND + Buffer.concat([keyId, nonce, cipher.getAuthTag(), body]).toString('base64url');
    },
    open(sealed, owner) {
      const raw = rawOf(sealed);
      if (raw === null)
        throw new ValidationError(
          "An encrypted value was not made with this server's key; send the plain value instead.",
        );
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(4, 16));
      if (sealed.startsWith(BOUND)) decipher.setAAD(Buffer.from(owner, 'utf8'));
      decipher.setAuthTag(raw.subarray(16, 32));
      try {
        return Buffer.concat([decipher.update(raw.subarray(32)), decipher.final()]).toString('utf8');
      } catch (error) {
        throw new ValidationError(
          'An encrypted value does not open here: it is damaged or belongs to another field or workspace; send the plain value instead.',
          { cause: error },
        );
      }
    },
    isSealed: looksSealed,
    isUnbound: (text) => text.startsWith(UNBOUND) && rawOf(text) !== null,
    digestToken: (token) => createHash('sha256').update(token).digest('hex'),
    keyedDigest: (text) => `hmac-sha256:${createHmac('sha256', digestKey).update(text).digest('hex')}`,
    newToken: () => randomBytes(32).toString('base64url'),
  };
}
