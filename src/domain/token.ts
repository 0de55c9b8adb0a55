import { grants, type Scope } from './scopes.js';

export interface AccessToken {
  id: string;
  userId: number;
  name: string;
  scopes: Scope[];
  workspaceRestrictions: string[];
  ipRestrictions: string[];
  expiresAt: Date | null;
  createdAt: Date;
}

export interface User {
  id: number;
  name: string;
  email: string;
  createdAt: Date;
}

export function isExpired(token: AccessToken, now: Date): boolean {
  return token.expiresAt !== null && token.expiresAt.getTime() <= now.getTime();
}

/** An empty restriction list means every workspace. */
export function allowsWorkspace(token: AccessToken, domain: string): boolean {
  return token.workspaceRestrictions.length === 0 || token.workspaceRestrictions.includes(domain);
}

/** What a token may hand on: its scopes (with what they imply) and its workspaces. */
export type TokenReach = Pick<AccessToken, 'scopes' | 'workspaceRestrictions'>;

/** The first reason `token` reaches further than `holder`, as a sentence; null when it does not. */
export function reachBeyond(token: TokenReach, holder: TokenReach): string | null {
  const extra = token.scopes.filter((s) => !grants(holder.scopes, s));
  if (extra.length) return `a token cannot grant scopes it does not hold (${extra.join(', ')})`;
  if (holder.workspaceRestrictions.length === 0) return null;
  if (token.workspaceRestrictions.length === 0)
    return 'a token restricted to some workspaces can only make tokens restricted to some of them ("workspace_restrictions")';
  const outside = token.workspaceRestrictions.filter((w) => !holder.workspaceRestrictions.includes(w));
  if (outside.length) return `a token cannot grant workspaces it is not restricted to (${outside.join(', ')})`;
  return null;
}

/**
 * Whether `holder` could have made `token`: every scope of `token` is granted by the holder's, and a restricted
 * holder's token is restricted to some of the holder's workspaces (an unrestricted holder may restrict freely).
 * A token never mints, sees or deletes a token that reaches further than itself.
 */
export function reachesWithin(token: TokenReach, holder: TokenReach): boolean {
  return reachBeyond(token, holder) === null;
}
