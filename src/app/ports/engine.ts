import type { Platform } from '../../domain/platform.js';
import type { PlatformImage, PlatformResult } from '../../domain/platform-image.js';

export type { PlatformImage, PlatformResult } from '../../domain/platform-image.js';

/** Credentials for one registry host, opened from the store or given on the command line. */
export interface RegistryCredentials {
  username: string;
  password: string;
}

/** How Archway reaches a registry host: TLS verified against the system (default), a CA directory, or plain HTTP. */
export interface RegistryAccess {
  /** host[:port] names reached over plain HTTP or with TLS unverified (ARCHWAY_INSECURE_REGISTRIES). */
  insecure: readonly string[];
  /** A certs.d-style directory: `<dir>/<host[:port]>/ca.crt` (ARCHWAY_REGISTRY_CA_DIR). */
  caDir: string | null;
}

/**
 * One DOCKER_BUILD_MULTI_ARCH build, fully resolved: every path absolute and already checked to be inside the
 * repository, every variable substituted, secrets opened.
 */
export interface BuildSpec {
  /** Root of the checked-out repository: nothing the build reads may lie outside it. */
  repoRoot: string;
  contextDir: string;
  dockerfile: string;
  targetStage: string | null;
  buildArgs: ReadonlyArray<readonly [string, string]>;
  /** The build secret: mounted by RUN --mount=type=secret,id=<id>; never in argv, env, a layer or a log. */
  secret: { id: string; file: string } | null;
  platforms: readonly Platform[];
  /** Registry host[:port] and repository path inside it, e.g. "127.0.0.1:5000" + "team/app". */
  registry: string;
  repository: string;
  /** At least one tag; the index is pushed under each. */
  tags: readonly string[];
  credentials: RegistryCredentials | null;
  /**
   * Credentials that expire (ECR, Google tokens): asked again right before the push, so a build that outlives
   * the token it started with still pushes. `credentials` is what the build starts with.
   */
  freshCredentials?: () => Promise<RegistryCredentials>;
  /** Credentials for the registries base images come from (host -> credentials), besides the target's. */
  pullCredentials?: ReadonlyMap<string, RegistryCredentials>;
  cache: { mode: 'none' | 'min' | 'max'; key: string | null; clear: boolean };
  timeoutMs: number | null;
  signal?: AbortSignal;
}

export type BuildEvent =
  | { type: 'preflight'; message: string }
  | { type: 'platform-started'; platform: Platform; emulated: boolean }
  | { type: 'step'; platform: Platform; stage: string | null; step: number; steps: number; instruction: string }
  | { type: 'log'; platform: Platform | null; line: string }
  | {
      type: 'platform-finished';
      platform: Platform;
      digest: string;
      durationMs: number;
      cachedSteps: number;
      totalSteps: number;
      /** The image's size in the registry: its config and (compressed) layers, as its manifest lists them. */
      sizeBytes: number | null;
    }
  | { type: 'pushed'; reference: string; digest: string }
  | { type: 'verified'; digest: string; platforms: Platform[] };

export interface BuildResult {
  /** Digest of the pushed image index (sha256:...). */
  indexDigest: string;
  /** Every reference the index was pushed under (registry/repository:tag). */
  references: string[];
  platforms: PlatformResult[];
  durationMs: number;
  /** True when nothing was built: an index pushed earlier with the same fingerprint was verified and tagged. */
  reused?: boolean;
}

/**
 * The build engine. Lifecycle: created once per process by a composition root with its data dir; stateless
 * between builds except for per-scope layer caches under that dir. Concurrency: builds may run side by side
 * (each has private stores and a unique name). Failure: `build` rejects with BuildError (a message a person
 * can act on and a stable `reason`); a cancelled `signal` rejects with reason CANCELLED; nothing is left behind
 * (mounts, containers, temporary images, auth files) after success, failure or cancel.
 */
export interface Engine {
  build(spec: BuildSpec, onEvent: (event: BuildEvent) => void): Promise<BuildResult>;
  /**
   * Builds the one platform of `spec` (its `platforms` holds exactly one) and pushes the image to the spec's
   * repository by digest, under no tag: the part of a fanned-out build that runs on one agent.
   */
  buildPlatform(spec: BuildSpec, onEvent: (event: BuildEvent) => void): Promise<PlatformImage>;
  /**
   * Pushes the index of `images` (already in the spec's repository) under every tag, its entries in the order of
   * `spec.platforms`, which they must match one for one, then reads it back and verifies it as `build` does.
   */
  assembleIndex(
    spec: BuildSpec,
    images: readonly PlatformImage[],
    onEvent: (event: BuildEvent) => void,
  ): Promise<BuildResult>;
  /** Removes what builds of an earlier process left behind; call once at start, before any build. */
  cleanup(): Promise<void>;
}
