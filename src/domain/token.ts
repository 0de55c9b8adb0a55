import type { Scope } from './scopes.js';

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
