/**
 * Encryption of secrets at rest (passwords, repository credentials, encrypted variables). Lifecycle: built once
 * from the key. Concurrency: synchronous and stateless after construction. Failure: `open` throws ValidationError
 * for text that is not a ciphertext of this key.
 */
export interface Secrets {
  seal(plain: string): string;
  open(sealed: string): string;
  /** True when the text is a ciphertext this key can open (clients echo back what GET returned). */
  isSealed(text: string): boolean;
  /** One-way digest for bearer tokens (high-entropy, so a fast hash is enough). */
  digestToken(token: string): string;
  newToken(): string;
}
