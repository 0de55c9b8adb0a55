import {
  checkPlatformLabels,
  effectivePlatforms,
  isKnown,
  type EffectivePlatforms,
} from '../domain/agent-platforms.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.js';
import type { Workspace } from '../domain/workspace.js';
import type { createAgentJobs } from './agent-jobs.js';
import type { Caller } from './caller.js';
import type { Agent, HeldJob } from './ports/agent-repo.js';
import type { Store } from './ports/store.js';

export interface AgentInput {
  name: string;
  labels: string[];
  /** Workspace domains the agent may build for; absent: the caller's restriction, or global when it has none. */
  workspaces?: string[];
}

/**
 * An agent as its registrar sees it: the workspaces it serves by domain (null: every workspace), the platforms
 * routing uses (its `platform=` labels over what it reported), whether it is known (seen in the last 60 s) and
 * the jobs it holds now.
 */
export interface AgentView extends Agent {
  workspaces: string[] | null;
  effective: EffectivePlatforms;
  known: boolean;
  building: HeldJob[];
}
type Owned = Agent & { workspaces: string[] | null };

/**
 * Who may register, see and delete agents. An agent claims jobs with their secrets opened, so it is as powerful as
 * the workspaces it serves: a global agent needs an unrestricted token; a token restricted to some workspaces
 * registers agents for some of those, and sees and deletes only agents that serve nothing else. The route checks
 * WORKSPACES_MANAGE.
 */
export function createAgentUseCases(store: Store, agentJobs: ReturnType<typeof createAgentJobs>) {
  const restricted = (caller: Caller) => caller.token.workspaceRestrictions.length > 0;

  async function owned(agent: Agent): Promise<Owned> {
    if (agent.workspaceIds === null) return { ...agent, workspaces: null };
    const found = await Promise.all(agent.workspaceIds.map((id) => store.workspaces.find(id)));
    return { ...agent, workspaces: found.filter((w): w is Workspace => w !== undefined).map((w) => w.domain) };
  }

  /** The views of these agents, with one read of the jobs they hold. */
  async function views(agents: Owned[]): Promise<AgentView[]> {
    const held = await store.agents.held(agents.map((a) => a.id));
    const now = agentJobs.now();
    return agents.map((a) => ({
      ...a,
      effective: effectivePlatforms(a.labels, a.platforms),
      known: isKnown(a.lastSeenAt, now),
      building: held.filter((j) => j.agentId === a.id),
    }));
  }

  function visible(caller: Caller, agent: Owned): boolean {
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

  async function own(caller: Caller, id: string): Promise<Owned> {
    const agent = await store.agents.byId(id);
    const shown = agent && (await owned(agent));
    if (!shown || !visible(caller, shown)) throw new NotFoundError(`Agent "${id}" not found.`);
    return shown;
  }

  return {
    async register(caller: Caller, input: AgentInput): Promise<{ agent: AgentView; token: string }> {
      checkPlatformLabels(input.labels);
      const ids = await workspaceIds(caller, input.workspaces);
      const { agent, token } = await agentJobs.registerAgent(input.name, input.labels, undefined, ids);
      const [shown] = await views([await owned(agent)]);
      return { agent: shown!, token };
    },
    async list(caller: Caller): Promise<AgentView[]> {
      const all = await Promise.all((await store.agents.list()).map(owned));
      return views(all.filter((a) => visible(caller, a)));
    },
    /** The agent's own view of itself (its hello's answer): no caller, it is the one asking. */
    async asSeen(agent: Agent): Promise<AgentView> {
      const [shown] = await views([await owned(agent)]);
      return shown!;
    },
    async get(caller: Caller, id: string): Promise<AgentView> {
      const [shown] = await views([await own(caller, id)]);
      return shown!;
    },
    async remove(caller: Caller, id: string): Promise<void> {
      await store.agents.remove((await own(caller, id)).id);
    },
  };
}
export type AgentUseCases = ReturnType<typeof createAgentUseCases>;
