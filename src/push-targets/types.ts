import type { DockerRegistry } from '../domain/multi-arch-build.js';
import type { CredentialSource, RegistryTarget, RegistryToken } from '../app/ports/registry-target.js';

export type { CredentialSource, RegistryTarget, RegistryToken };

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
