import { ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.js';
import type { Workspace } from '../domain/workspace.js';
import type { createAgentJobs } from './agent-jobs.js';
import type { Caller } from './caller.js';
import type { Agent } from './ports/agent-repo.js';
import type { Store } from './ports/store.js';

export interface AgentInput {
  name: string;
  labels: string[];
  /** Workspace domains the agent may build for; absent: the caller's restriction, or global when it has none. */
  workspaces?: string[];
}

/** An agent as its registrar sees it: the workspaces it serves by domain (null: every workspace). */
export interface AgentView extends Agent {
  workspaces: string[] | null;
}

/**
 * Who may register, see and delete agents. An agent claims jobs with their secrets opened, so it is as powerful as
 * the workspaces it serves: a global agent needs an unrestricted token; a token restricted to some workspaces
 * registers agents for some of those, and sees and deletes only agents that serve nothing else. The route checks
 * WORKSPACES_MANAGE.
 */
export function createAgentUseCases(store: Store, agentJobs: ReturnType<typeof createAgentJobs>) {
  const restricted = (caller: Caller) => caller.token.workspaceRestrictions.length > 0;

  async function view(agent: Agent): Promise<AgentView> {
    if (agent.workspaceIds === null) return { ...agent, workspaces: null };
    const found = await Promise.all(agent.workspaceIds.map((id) => store.workspaces.find(id)));
    return { ...agent, workspaces: found.filter((w): w is Workspace => w !== undefined).map((w) => w.domain) };
  }

  function visible(caller: Caller, agent: AgentView): boolean {
    if (!restricted(caller)) return true;
    return agent.workspaces !== null && agent.workspaces.every((d) => caller.token.workspaceRestrictions.includes(d));
  }

  async function workspaceIds(caller: Caller, domains: string[] | undefined): Promise<number[] | null> {
    const wanted = domains ?? (restricted(caller) ? caller.token.workspaceRestrictions : undefined);
    if (wanted === undefined) return null;
    if (wanted.length === 0) throw new ValidationError('"workspaces" must name at least one workspace.');
    const ids: number[] = [];
    for (const domain of new Set(wanted)) {
      if (restricted(caller) && !caller.token.workspaceRestrictions.includes(domain))
        throw new ForbiddenError(`This token may not register agents for workspace "${domain}".`);
      const workspace = await store.workspaces.byDomain(domain);
      if (!workspace) throw new NotFoundError(`Workspace "${domain}" not found.`);
      ids.push(workspace.id);
    }
    return ids;
  }

  async function own(caller: Caller, id: string): Promise<AgentView> {
    const agent = await store.agents.byId(id);
    const shown = agent && (await view(agent));
    if (!shown || !visible(caller, shown)) throw new NotFoundError(`Agent "${id}" not found.`);
    return shown;
  }

  return {
    async register(caller: Caller, input: AgentInput): Promise<{ agent: AgentView; token: string }> {
      const ids = await workspaceIds(caller, input.workspaces);
      const { agent, token } = await agentJobs.registerAgent(input.name, input.labels, undefined, ids);
      return { agent: await view(agent), token };
    },
    async list(caller: Caller): Promise<AgentView[]> {
      const all = await Promise.all((await store.agents.list()).map(view));
      return all.filter((a) => visible(caller, a));
    },
    get: own,
    async remove(caller: Caller, id: string): Promise<void> {
      await store.agents.remove((await own(caller, id)).id);
    },
  };
}
export type AgentUseCases = ReturnType<typeof createAgentUseCases>;
