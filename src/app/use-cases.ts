import { createActionUseCases } from './actions.js';
import { createPipelineUseCases } from './pipelines.js';
import type { Clock, Secrets, Store } from './ports.js';
import { createProjectUseCases } from './projects.js';
import { createTokenUseCases } from './tokens.js';
import { createWorkspaceUseCases } from './workspaces.js';

/** Every use case over one set of ports. */
export function createUseCases(deps: { store: Store; secrets: Secrets; clock: Clock }) {
  const pipelines = createPipelineUseCases(deps.store);
  return {
    workspaces: createWorkspaceUseCases(deps.store),
    projects: createProjectUseCases(deps.store, deps.secrets),
    pipelines,
    actions: createActionUseCases(deps.store, deps.secrets, pipelines),
    tokens: createTokenUseCases(deps.store, deps.secrets, deps.clock),
    users: {
      /** The member shown as a creator; a removed user still renders. */
      async member(id: number) {
        return (await deps.store.users.byId(id)) ?? { id, name: 'removed user', email: '', createdAt: new Date(0) };
      },
    },
  };
}
export type UseCases = ReturnType<typeof createUseCases>;
