import type { Secret } from './secret-masking.js';
import type { DockerRegistry } from './multi-arch-build.js';
import type { Platform } from './platform.js';
import type { PlatformImage } from './platform-image.js';

/**
 * Where the image goes, as the action says it after variable resolution, with the password and the
 * integration's secrets opened. The agent turns it into a registry host and credentials (ECR and Google
 * tokens are fetched there, close to the push, and refreshed when a long build outlives them).
 */
export interface RegistryTargetSpec {
  dockerRegistry: DockerRegistry;
  registry: string | null;
  repository: string;
  region: string | null;
  login: string | null;
  password: string | null;
  integration: {
    type: 'DOCKER_HUB' | 'AMAZON' | 'GOOGLE_SERVICE_ACCOUNT';
    label: string;
    username?: string;
    password?: string;
    accessKeyId?: string;
    secretAccessKey?: string;
    roleAssumptions?: Array<{ arn: string; externalId?: string | null; durationSeconds?: number | null }>;
    serviceAccountKey?: string;
  } | null;
}

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
    target: RegistryTargetSpec;
    tags: string[];
    cacheMode: 'none' | 'min' | 'max';
  };
  /** FILE variables written into the work tree for the run and removed after it. */
  files: Array<{ path: string; content: string; mode: number }>;
  /** The part of a build fanned out over agents this job is; absent: the whole build, all platforms, one job. */
  part?: BuildPart;
  /**
   * Values to mask in every log line (encrypted variables, passwords); a login with its password also masks the
   * base64 of `user:password` that Basic auth and docker auth files carry.
   */
  mask: Secret[];
}

/**
 * A part of a fanned-out build: one platform built and pushed by digest (the job's spec still names every
 * platform, for the log and the cache), or the index of the images the platform parts pushed.
 */
export type BuildPart = { kind: 'PLATFORM'; platform: Platform } | { kind: 'INDEX'; images: PlatformImage[] };

/** Archway's own registry (embedded mode): where an action with a bare repository and no registry pushes. */
export interface DefaultRegistry {
  host: string;
  username: string;
  password: string;
}
