import { assertHandle } from '../domain/names.js';
import { ForbiddenError, ValidationError } from '../domain/errors.js';
import { allowsWorkspace } from '../domain/token.js';
import type { Workspace } from '../domain/workspace.js';
import { workspaceFor } from './resolve-path.js';
import { type Caller } from './caller.js';
import type { Page } from './ports/page.js';
import type { Store } from './ports/store.js';

export interface WorkspaceInput {
  domain?: string;
  name?: string;
}

export function createWorkspaceUseCases(store: Store) {
  return {
    /**
     * A token restricted to some workspaces creates none (403, whatever the name): it could not reach the new one,
     * and a 409 for a taken name would tell it that a workspace it may not see exists.
     */
    async create(caller: Caller, input: WorkspaceInput): Promise<Workspace> {
      if (caller.token.workspaceRestrictions.length)
        throw new ForbiddenError('A token restricted to some workspaces cannot create workspaces.');
      if (!input.domain) throw new ValidationError('"domain" is required, e.g. "my-team".');
      assertHandle('domain', input.domain);
      return store.workspaces.create({
        domain: input.domain,
        name: input.name?.trim() || input.domain,
        ownerId: caller.user.id,
        frozen: false,
      });
    },
    get: (caller: Caller, domain: string) => workspaceFor(store, caller, domain),
    list(caller: Caller, page: Page): Promise<Workspace[]> {
      const restricted = caller.token.workspaceRestrictions;
      return store.workspaces.list(restricted.length ? { domains: restricted } : {}, page);
    },
    /**
     * A restricted token renames only to a domain within its restriction (403 otherwise, taken or not: no existence
     * oracle, and it would lose the workspace it renamed). Nothing to set answers the workspace as it is.
     */
    async update(caller: Caller, domain: string, input: WorkspaceInput): Promise<Workspace> {
      const workspace = await workspaceFor(store, caller, domain);
      if (input.domain !== undefined) {
        assertHandle('domain', input.domain);
        if (input.domain !== workspace.domain && !allowsWorkspace(caller.token, input.domain))
          throw new ForbiddenError(
            `This token may not rename a workspace to "${input.domain}" (outside its restriction).`,
          );
      }
      if (input.name !== undefined && input.name.trim() === '') throw new ValidationError('"name" must not be empty.');
      if (input.domain === undefined && input.name === undefined) return workspace;
      return store.workspaces.update(workspace.id, { name: input.name?.trim(), domain: input.domain });
    },
    async remove(caller: Caller, domain: string): Promise<void> {
      const workspace = await workspaceFor(store, caller, domain);
      await store.workspaces.remove(workspace.id);
    },
  };
}
export type WorkspaceUseCases = ReturnType<typeof createWorkspaceUseCases>;
