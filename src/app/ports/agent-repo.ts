/** A registered agent: it claims jobs with its own bearer token (stored as a digest). */
export interface Agent {
  id: string;
  name: string;
  labels: string[];
  /** The workspaces whose jobs it may claim; null: every workspace (a global agent). */
  workspaceIds: number[] | null;
  createdAt: Date;
  lastSeenAt: Date | null;
}

/**
 * The registered agents. Lifecycle: part of the Store (same database, same transactions). Concurrency: safe for
 * concurrent calls; `touch` is last-writer-wins. Failure: driver errors are StoreError.
 */
export interface AgentRepo {
  /** `workspaceIds` absent or null: a global agent. */
  create(
    agent: Omit<Agent, 'createdAt' | 'lastSeenAt' | 'workspaceIds'> & {
      tokenHash: string;
      workspaceIds?: number[] | null;
    },
  ): Promise<Agent>;
  byTokenHash(tokenHash: string): Promise<Agent | undefined>;
  byId(id: string): Promise<Agent | undefined>;
  /** Every agent, oldest first. */
  list(): Promise<Agent[]>;
  touch(id: string, at: Date): Promise<void>;
  remove(id: string): Promise<void>;
}
