import type { Platform } from './platform.js';

/**
 * Everything an agent needs to run one action execution, fully resolved by the server (variables applied,
 * secrets opened). Travels over the agent protocol only; never logged, never stored outside the jobs table.
 */
export interface JobSpec {
  executionId: number;
  actionExecutionId: number;
  actionName: string;
  /** Key of the repository's mirror cache on the agent. */
  projectKey: string;
  repository: { url: string; user: string | null; password: string | null };
  sha: string;
  /** Drop the agent's mirror and layer cache before the run (`refresh` / `clear_cache`). */
  refresh: boolean;
  clearCache: boolean;
  cacheKey: string | null;
  timeoutSeconds: number | null;
  build: {
    dockerfilePath: string;
    contextPath: string;
    targetStage: string | null;
    buildArgs: Array<[string, string]>;
    secret: { id: string; srcPath: string } | null;
    platforms: Platform[];
    registry: string;
    repository: string;
    tags: string[];
    credentials: { username: string; password: string } | null;
    cacheMode: 'none' | 'min' | 'max';
  };
  /** FILE variables written into the work tree for the run and removed after it. */
  files: Array<{ path: string; content: string; mode: number }>;
  /** Values to mask in every log line (encrypted variables, passwords). */
  mask: string[];
}
