import type { DockerRegistry } from '../domain/multi-arch-build.js';

/** One role of an AMAZON integration's role-assumption chain (Buddy: `role_assumptions` [{arn, external_id, duration}]). */
export interface RoleAssumption {
  arn: string;
  externalId?: string | null;
  /** Session length in seconds (AWS allows 900..43200; default 3600). */
  durationSeconds?: number | null;
}

/** The opened (decrypted) secrets of the workspace integration an action references. */
export interface IntegrationSecrets {
  type: 'DOCKER_HUB' | 'AMAZON' | 'GOOGLE_SERVICE_ACCOUNT';
  /** Shown in messages, e.g. the integration's name or hash_id; never a secret. */
  label?: string;
  username?: string | null;
  password?: string | null;
  accessKeyId?: string | null;
  secretAccessKey?: string | null;
  roleAssumptions?: readonly RoleAssumption[] | null;
  /** The service-account JSON key, as the user pasted it. */
  serviceAccountKey?: string | null;
}

/** An action's registry fields after variable resolution, with the password and integration secrets opened. */
export interface RegistryInput {
  /** `effectiveDockerRegistry(build)`; null or absent is treated as OTHER. */
  dockerRegistry?: DockerRegistry | null;
  registry: string | null;
  repository: string;
  region: string | null;
  login?: string | null;
  password?: string | null;
  integration?: IntegrationSecrets | null;
}

/** Registry credentials and when they stop working (null = they do not expire on their own). */
export interface RegistryToken {
  username: string;
  password: string;
  expiresAt: Date | null;
}

/**
 * Where a push's credentials come from. `get()` returns cached credentials while they have more than the refresh
 * margin (5 minutes) left and fetches new ones after that; call it again right before pushing.
 */
export interface CredentialSource {
  get(): Promise<RegistryToken>;
  /** Forgets the cached credentials (e.g. after the registry answered 401), so that the next `get()` fetches anew. */
  invalidate(): void;
}

/** Where an image goes and how to log in there. */
export interface RegistryTarget {
  /** host[:port] as containers/image spells it, e.g. "docker.io", "123456789012.dkr.ecr.eu-west-1.amazonaws.com". */
  host: string;
  /** The repository path inside the host, e.g. "team/app". */
  repositoryPath: string;
  /** Null: push anonymously. */
  credentials: CredentialSource | null;
  /** ECR only: creates the repository when it does not exist yet. */
  ensureRepository?: () => Promise<'existing' | 'created'>;
  /** Sentences worth showing in the run's log, e.g. a namespace that was filled in. */
  notes: string[];
  /** A sentence to add to the message when the registry denies the push (e.g. gcr.io served by Artifact Registry). */
  pushDeniedHint?: string;
}

export interface ResolveOptions {
  /** Milliseconds since the epoch; default Date.now. Tests move it forward instead of sleeping. */
  clock?: () => number;
  /** How long before `expiresAt` a token is replaced; default 5 minutes. */
  refreshMarginMs?: number;
  /** AWS endpoint for ECR and STS (a local stand-in in tests); default env ARCHWAY_AWS_ENDPOINT, else AWS's own. */
  awsEndpoint?: string | null;
  /** Google: an OAuth2 access token (default) or `_json_key` with the whole key as the password. */
  googleCredentials?: 'access-token' | 'json-key';
  /** Environment to read ARCHWAY_AWS_ENDPOINT from; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

export const DEFAULT_REFRESH_MARGIN_MS = 5 * 60 * 1000;
