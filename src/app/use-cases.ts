import type { FanOutMode } from '../domain/platform-routing.js';
import type { LocalRepoRule } from '../domain/repo-url.js';
import type { DefaultRegistry } from '../domain/job-spec.js';
import { createActionUseCases } from './actions.js';
import { createAgentUseCases } from './agents.js';
import { createAgentJobs } from './agent-jobs.js';
import type { Notifier } from './ports/notifier.js';
import type { RevisionSource } from './ports/revision-source.js';
import { createTriggerGate } from './trigger-gate.js';
import type { ExecutionTrigger } from '../domain/execution.js';
import type { Pipeline } from '../domain/pipeline.js';
import { createExecutionUseCases } from './executions.js';
import { createIntegrationUseCases } from './integrations.js';
import { createOrchestrator } from './orchestrator.js';
import { createRunStarter } from './run-start.js';
import { createScheduler } from './scheduler.js';
import { createGitPoller } from './git-poller.js';
import { createWebhookTrigger } from './webhook-trigger.js';
import { createPushWebhook } from './push-webhook.js';
import { createVariableScopes, type VariableLayers } from './variable-scope.js';
import { createPipelineUseCases } from './pipelines.js';
import type { Clock } from './ports/clock.js';
import type { Secrets } from './ports/secrets.js';
import type { Store } from './ports/store.js';
import { createProjectUseCases } from './projects.js';
import { createSessions } from './sessions.js';
import { createTokenUseCases } from './tokens.js';
import { createVariableUseCases } from './variables.js';
import { createWorkspaceUseCases } from './workspaces.js';

/** Every use case over one set of ports. */
export function createUseCases(deps: {
  /** Which local paths a project may name as its repository. */
  localRepos: LocalRepoRule;
  store: Store;
  secrets: Secrets;
  clock: Clock;
  notifier: Notifier;
  revisions: RevisionSource;
  variableLayers: VariableLayers;
  leaseMs?: number;
  /** ARCHWAY_FANOUT (domain/platform-routing.ts). */
  fanOut?: FanOutMode;
  /** ARCHWAY_NATIVE_WAIT_SECONDS, in milliseconds. */
  nativeWaitMs?: number;
  /** How often push-triggered projects are polled (0: not at all). */
  gitPollMs?: number;
  defaultRegistry?: DefaultRegistry | null;
  /** How long a web session may sit idle (default 12 h). */
  sessionIdleMs?: number;
  /** A trigger's run its pipeline's trigger conditions held back (for the log). */
  onHeld?: (pipeline: Pipeline, trigger: ExecutionTrigger, reason: string) => void;
}) {
  const { store, secrets, clock, notifier } = deps;
  const pipelines = createPipelineUseCases(deps.store, secrets, clock);
  const scopes = createVariableScopes({
    layers: deps.variableLayers,
    secrets,
    domainOf: async (workspaceId) => (await store.workspaces.find(workspaceId))?.domain ?? '',
  });
  const gate = createTriggerGate({ store, secrets, clock, revisions: deps.revisions, scopes });
  const orchestrator = createOrchestrator({
    store,
    secrets,
    notifier,
    clock,
    scopes,
    gate,
    defaultRegistry: deps.defaultRegistry,
    fanOut: deps.fanOut,
  });
  const runs = createRunStarter({
    store,
    secrets,
    clock,
    orchestrator,
    revisions: deps.revisions,
    localRepos: deps.localRepos,
    gate,
    notifier,
    onHeld: deps.onHeld,
  });
  const scheduler = createScheduler({ store, clock, runs });
  const gitPoller = createGitPoller({
    store,
    clock,
    runs,
    revisions: deps.revisions,
    intervalMs: deps.gitPollMs || 60_000,
  });
  const webhookTrigger = createWebhookTrigger({ store, pipelines, runs });
  const projects = createProjectUseCases(deps.store, deps.secrets, deps.localRepos);
  const pushWebhook = createPushWebhook({ store, projects, gitPoller });
  const agentJobs = createAgentJobs({
    store,
    secrets,
    clock,
    notifier,
    orchestrator,
    leaseMs: deps.leaseMs,
    nativeWaitMs: deps.nativeWaitMs,
  });
  const tokens = createTokenUseCases(deps.store, deps.secrets, deps.clock);
  return {
    /** For live streams in the API (log lines, execution changes). */
    notifier,
    executions: createExecutionUseCases({
      store,
      secrets,
      clock,
      pipelines,
      orchestrator,
      runs,
    }),
    agentJobs,
    scheduler,
    gitPoller,
    webhookTrigger,
    agents: createAgentUseCases(store, agentJobs),
    workspaces: createWorkspaceUseCases(deps.store),
    projects,
    pushWebhook,
    pipelines,
    actions: createActionUseCases(deps.store, deps.secrets, pipelines),
    tokens,
    sessions: createSessions({ store, secrets, clock, tokens, idleMs: deps.sessionIdleMs ?? 12 * 3_600_000 }),
    variables: createVariableUseCases(deps.store, deps.secrets),
    integrations: createIntegrationUseCases(deps.store, deps.secrets),
    users: {
      /** The member shown as a creator; a removed user still renders. */
      async member(id: number) {
        return (await deps.store.users.byId(id)) ?? { id, name: 'removed user', email: '', createdAt: new Date(0) };
      },
    },
  };
}
export type UseCases = ReturnType<typeof createUseCases>;
