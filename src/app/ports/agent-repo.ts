import type { Platform } from '../../domain/platform.js';
import type { JobKind } from './job-queue.js';
import type { PlatformReport } from '../../domain/agent-platforms.js';

/** A registered agent: it claims jobs with its own bearer token (stored as a digest). */
export interface Agent {
  id: string;
  name: string;
  labels: string[];
  /** The workspaces whose jobs it may claim; null: every workspace (a global agent). */
  workspaceIds: number[] | null;
  createdAt: Date;
  lastSeenAt: Date | null;
  /** What it said it runs at its last hello; null: it never said. */
  platforms: PlatformReport | null;
}

/** A job an agent holds (RUNNING), with where it belongs. */
export interface HeldJob {
  agentId: string;
  jobId: number;
  attempt: number;
  /** BUILD (a whole build), PLATFORM (one platform of a fanned-out build, `platform`) or INDEX. */
  kind: JobKind;
  platform: Platform | null;
  executionId: number;
  actionExecutionId: number;
  actionId: number;
  pipelineId: number;
  projectName: string;
  workspaceDomain: string;
}

/**
 * The registered agents. Lifecycle: part of the Store (same database, same transactions). Concurrency: safe for
 * concurrent calls; `touch` and `report` are last-writer-wins. Failure: driver errors are StoreError.
 */
export interface AgentRepo {
  /** `workspaceIds` absent or null: a global agent. */
  create(
    agent: Omit<Agent, 'createdAt' | 'lastSeenAt' | 'workspaceIds' | 'platforms'> & {
      tokenHash: string;
      workspaceIds?: number[] | null;
    },
  ): Promise<Agent>;
  byTokenHash(tokenHash: string): Promise<Agent | undefined>;
  byId(id: string): Promise<Agent | undefined>;
  /** Every agent, oldest first. */
  list(): Promise<Agent[]>;
  touch(id: string, at: Date): Promise<void>;
  /** Records what the agent runs and that it was seen `at`, in one statement. */
  report(id: string, platforms: PlatformReport, at: Date): Promise<void>;
  /** The RUNNING jobs of these agents, by job id. */
  held(agentIds: readonly string[]): Promise<HeldJob[]>;
  remove(id: string): Promise<void>;
}
