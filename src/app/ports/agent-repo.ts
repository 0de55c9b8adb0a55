/** A registered agent: it claims jobs with its own bearer token (stored as a digest). */
export interface Agent {
  id: string;
  name: string;
  labels: string[];
  createdAt: Date;
  lastSeenAt: Date | null;
}

/**
 * The registered agents. Lifecycle: part of the Store (same database, same transactions). Concurrency: safe for
 * concurrent calls; `touch` is last-writer-wins. Failure: driver errors are StoreError.
 */
export interface AgentRepo {
  create(agent: Omit<Agent, 'createdAt' | 'lastSeenAt'> & { tokenHash: string }): Promise<Agent>;
  byTokenHash(tokenHash: string): Promise<Agent | undefined>;
  touch(id: string, at: Date): Promise<void>;
  remove(id: string): Promise<void>;
}
