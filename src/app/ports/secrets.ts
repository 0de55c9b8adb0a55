/**
 * Where a sealed value belongs: its workspace and the field it fills (`ws:3:action.password`), or a job
 * (`job:41`). Sealing binds a value to its owner (AES-GCM associated data), so a value read from one place does not
 * open in another: pasting workspace A's `!encrypted …` into workspace B is refused.
 */
export type SealOwner = string;

/**
 * Encryption of secrets at rest (passwords, repository credentials, integration secrets, encrypted variables, job
 * specs). Lifecycle: built once from the key. Concurrency: synchronous and stateless after construction. Failure:
 * `open` throws ValidationError for text that is not a ciphertext of this key, is damaged, or belongs to another
 * owner.
 */
export interface Secrets {
  seal(plain: string, owner: SealOwner): string;
  /** Opens a value sealed for `owner` (values sealed before owners existed open for any owner). */
  open(sealed: string, owner: SealOwner): string;
  /**
   * True when the text has the form of a sealed value (of any key): a client sending one means "keep the secret",
   * so it must open (`open`), or be refused; it is never stored as literal text.
   */
  isSealed(text: string): boolean;
  /** True when the text was sealed without an owner (by a version before owners were bound). */
  isUnbound(text: string): boolean;
  /** One-way digest for bearer tokens (high-entropy, so a fast hash is enough). */
  digestToken(token: string): string;
  /**
   * A digest keyed by the secret key (HMAC-SHA256 under a key derived from it) of text that may hold secrets: equal
   * texts compare equal, and a copy of the database alone cannot test guesses of what went in.
   */
  keyedDigest(text: string): string;
  newToken(): string;
}
