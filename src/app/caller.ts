import type { AccessToken, User } from '../domain/token.js';

/** Who is calling: the authenticated token and its user. */
export interface Caller {
  token: AccessToken;
  user: User;
}
