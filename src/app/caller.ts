import { NotFoundError } from '../domain/errors.js';
import type { AccessToken, User } from '../domain/token.js';
import { allowsWorkspace } from '../domain/token.js';
import type { Workspace } from '../domain/workspace.js';
import type { Store } from './ports.js';

/** Who is calling: the authenticated token and its user. */
export interface Caller {
  token: AccessToken;
  user: User;
}

/** A workspace outside the token's restriction behaves exactly like one that does not exist. */
export async function workspaceFor(store: Store, caller: Caller, domain: string): Promise<Workspace> {
  const workspace = allowsWorkspace(caller.token, domain) ? await store.workspaces.byDomain(domain) : undefined;
  if (!workspace) throw new NotFoundError(`Workspace "${domain}" not found.`);
  return workspace;
}
