import { assertHandle } from '../domain/names.js';
import { ValidationError } from '../domain/errors.js';
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
    async create(caller: Caller, input: WorkspaceInput): Promise<Workspace> {
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
    async update(caller: Caller, domain: string, input: WorkspaceInput): Promise<Workspace> {
      const workspace = await workspaceFor(store, caller, domain);
      if (input.domain !== undefined) assertHandle('domain', input.domain);
      if (input.name !== undefined && input.name.trim() === '') throw new ValidationError('"name" must not be empty.');
      return store.workspaces.update(workspace.id, { name: input.name?.trim(), domain: input.domain });
    },
    async remove(caller: Caller, domain: string): Promise<void> {
      const workspace = await workspaceFor(store, caller, domain);
      await store.workspaces.remove(workspace.id);
    },
  };
}
export type WorkspaceUseCases = ReturnType<typeof createWorkspaceUseCases>;
