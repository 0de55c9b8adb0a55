/** A git failure told as a sentence a person can act on; never carries credentials. */
export class GitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitError';
  }
}
