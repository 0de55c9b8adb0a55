import { AppError } from '../domain/errors.js';

/**
 * A git failure told as a sentence a person can act on (bad URL, credentials, unknown branch or revision, an
 * unreachable remote); never carries credentials. Code GIT_FAILED.
 */
export class GitError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GIT_FAILED', message, options);
  }
}
