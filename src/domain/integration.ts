import { ValidationError } from './errors.js';
import type { DockerRegistry } from './multi-arch-build.js';

export const INTEGRATION_TYPES = ['DOCKER_HUB', 'AMAZON', 'GOOGLE_SERVICE_ACCOUNT'] as const;
export type IntegrationType = (typeof INTEGRATION_TYPES)[number];
export const INTEGRATION_SCOPES = ['WORKSPACE', 'PROJECT'] as const;
export type IntegrationScope = (typeof INTEGRATION_SCOPES)[number];
/** Keys and passwords only; TRUSTED and OIDC federation are not supported. */
export const INTEGRATION_AUTH_TYPES = ['DEFAULT'] as const;
export type IntegrationAuthType = (typeof INTEGRATION_AUTH_TYPES)[number];
export const DEFAULT_GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';

/** An AWS role to assume with the integration's keys before talking to AWS. */
export interface RoleAssumption {
  arn: string;
  externalId: string | null;
  /** Session length in seconds. */
  durationSeconds: number | null;
}

/** The non-secret part of an integration's credentials; only the fields of its type are set. */
export interface IntegrationDetails {
  /** DOCKER_HUB */
  username: string | null;
  /** AMAZON */
  accessKeyId: string | null;
  roleAssumptions: RoleAssumption[];
  /** GOOGLE_SERVICE_ACCOUNT: read from the key. */
  clientEmail: string | null;
  tokenUri: string | null;
}

/** Credentials to a third-party service, kept at workspace scope or for one project. */
export interface Integration {
  id: number;
  /** 25 hex characters: the key clients and actions use. */
  hashId: string;
  workspaceId: number;
  /** Set for scope PROJECT only. */
  projectId: number | null;
  name: string;
  type: IntegrationType;
  scope: IntegrationScope;
  /** Unique in the workspace; a handle (letters, digits, "_", "-"). */
  identifier: string;
  authType: IntegrationAuthType;
  allPipelinesAllowed: boolean;
  /** Pipelines that may use it when not all are allowed. */
  allowedPipelineIds: number[];
  details: IntegrationDetails;
  /** Ciphertext of the Secrets port: the DOCKER_HUB password, the AMAZON secret access key or the service account's JSON key. */
  sealedSecret: string;
  createdAt: Date;
}

export const EMPTY_DETAILS: IntegrationDetails = {
  username: null,
  accessKeyId: null,
  roleAssumptions: [],
  clientEmail: null,
  tokenUri: null,
};

export function isIntegrationType(value: string): value is IntegrationType {
  return (INTEGRATION_TYPES as readonly string[]).includes(value);
}

export function checkIntegrationType(type: string): IntegrationType {
  if (!isIntegrationType(type)) {
    throw new ValidationError(
      `Integration type "${type}" is not supported by Archway; supported: ${INTEGRATION_TYPES.join(', ')}.`,
    );
  }
  return type;
}

export function checkIntegrationScope(scope: string): IntegrationScope {
  if (!(INTEGRATION_SCOPES as readonly string[]).includes(scope)) {
    throw new ValidationError(`"scope" must be one of: ${INTEGRATION_SCOPES.join(', ')} (got "${scope}").`);
  }
  return scope as IntegrationScope;
}

export function checkAuthType(authType: string): IntegrationAuthType {
  if (!(INTEGRATION_AUTH_TYPES as readonly string[]).includes(authType)) {
    throw new ValidationError(
      `"auth_type" ${authType} is not supported by Archway; supported: ${INTEGRATION_AUTH_TYPES.join(', ')} (keys and passwords).`,
    );
  }
  return authType as IntegrationAuthType;
}

/** What a service-account JSON key must hold; throws ValidationError naming what is missing. */
export function parseServiceAccountKey(text: string): { clientEmail: string; tokenUri: string } {
  let key: unknown;
  try {
    key = JSON.parse(text);
  } catch {
    throw new ValidationError(
      '"api_key" must be the service account\'s JSON key (the file Google Cloud downloads), but it is not valid JSON.',
    );
  }
  if (typeof key !== 'object' || key === null || Array.isArray(key))
    throw new ValidationError('"api_key" must be a JSON object: the service account\'s key file.');
  const fields = key as Record<string, unknown>;
  if (fields.type !== undefined && fields.type !== 'service_account') {
    throw new ValidationError(
      `"api_key" must be a service account key ("type": "service_account"), not ${JSON.stringify(fields.type)}.`,
    );
  }
  const field = (name: string) => (typeof fields[name] === 'string' && fields[name] !== '' ? fields[name] : null);
  const clientEmail = field('client_email');
  const privateKey = field('private_key');
  if (clientEmail === null)
    throw new ValidationError('"api_key" has no "client_email"; send the whole JSON key of the service account.');
  if (privateKey === null || !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey)) {
    throw new ValidationError('"api_key" has no PEM "private_key"; send the whole JSON key of the service account.');
  }
  const tokenUri = field('token_uri') ?? DEFAULT_GOOGLE_TOKEN_URI;
  if (!/^https?:\/\//.test(tokenUri))
    throw new ValidationError(`"api_key" has a "token_uri" that is not an http(s) URL (got "${tokenUri}").`);
  return { clientEmail, tokenUri };
}

/** Credentials as a client sends them (plain secrets); absent fields keep their current value on PATCH. */
export interface CredentialInput {
  username?: string;
  password?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  roleAssumptions?: RoleAssumption[];
  serviceAccountKey?: string;
}

const CREDENTIAL_NAMES: Record<keyof CredentialInput, string> = {
  username: 'username',
  password: 'password',
  accessKeyId: 'access_key',
  secretAccessKey: 'secret_key',
  roleAssumptions: 'role_assumptions',
  serviceAccountKey: 'api_key',
};
const TYPE_FIELDS: Record<IntegrationType, Array<keyof CredentialInput>> = {
  DOCKER_HUB: ['username', 'password'],
  AMAZON: ['accessKeyId', 'secretAccessKey', 'roleAssumptions'],
  GOOGLE_SERVICE_ACCOUNT: ['serviceAccountKey'],
};

/**
 * Merges credential input into the current credentials (none when adding) and checks them for the type.
 * Returns the non-secret details and the plain secret when one was sent (undefined = keep the stored one).
 */
export function mergeCredentials(
  type: IntegrationType,
  input: CredentialInput,
  current?: IntegrationDetails,
): { details: IntegrationDetails; secret?: string } {
  const names = (fields: Array<keyof CredentialInput>) => fields.map((f) => `"${CREDENTIAL_NAMES[f]}"`).join(', ');
  const stray = (Object.keys(CREDENTIAL_NAMES) as Array<keyof CredentialInput>).filter(
    (f) => input[f] !== undefined && !TYPE_FIELDS[type].includes(f),
  );
  if (stray.length)
    throw new ValidationError(
      `${names(stray)} ${stray.length > 1 ? 'do' : 'does'} not apply to ${type} integrations; they take ${names(TYPE_FIELDS[type])}.`,
    );
  const text = (
    field: keyof CredentialInput,
    given: string | undefined,
    previous: string | null | undefined,
  ): string | undefined => {
    if (given !== undefined && given.trim() === '')
      throw new ValidationError(`"${CREDENTIAL_NAMES[field]}" must not be empty.`);
    if (given === undefined && !previous)
      throw new ValidationError(`"${CREDENTIAL_NAMES[field]}" is required for ${type} integrations.`);
    return given ?? undefined;
  };
  // `current` set = PATCH: a secret may be left out; a non-secret falls back to its stored value.
  const kept = current === undefined ? null : 'stored';
  switch (type) {
    case 'DOCKER_HUB': {
      const username = text('username', input.username, current?.username) ?? current?.username ?? null;
      return { details: { ...EMPTY_DETAILS, username }, secret: text('password', input.password, kept) };
    }
    case 'AMAZON': {
      const accessKeyId = text('accessKeyId', input.accessKeyId, current?.accessKeyId) ?? current?.accessKeyId ?? null;
      const roleAssumptions = checkRoleAssumptions(input.roleAssumptions ?? current?.roleAssumptions ?? []);
      return {
        details: { ...EMPTY_DETAILS, accessKeyId, roleAssumptions },
        secret: text('secretAccessKey', input.secretAccessKey, kept),
      };
    }
    case 'GOOGLE_SERVICE_ACCOUNT': {
      const secret = text('serviceAccountKey', input.serviceAccountKey, kept);
      return secret === undefined
        ? { details: current ?? EMPTY_DETAILS }
        : { details: { ...EMPTY_DETAILS, ...parseServiceAccountKey(secret) }, secret };
    }
  }
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::[0-9]{12}:role\/[\w+=,.@/-]{1,512}$/;

export function checkRoleAssumptions(roles: RoleAssumption[]): RoleAssumption[] {
  for (const role of roles) {
    if (!ROLE_ARN.test(role.arn)) {
      throw new ValidationError(
        `"role_assumptions" arn must be an IAM role ARN such as "arn:aws:iam::123456789012:role/ci" (got "${role.arn}").`,
      );
    }
    if (
      role.durationSeconds !== null &&
      (!Number.isInteger(role.durationSeconds) || role.durationSeconds < 900 || role.durationSeconds > 43_200)
    ) {
      throw new ValidationError(
        `"role_assumptions" duration must be whole seconds from 900 to 43200 (got ${role.durationSeconds}).`,
      );
    }
    if (role.externalId !== null && !/^[\w+=,.@:/-]{2,1224}$/.test(role.externalId)) {
      throw new ValidationError(
        `"role_assumptions" external_id must be 2-1224 letters, digits or "+=,.@:/-_" (got "${role.externalId}").`,
      );
    }
  }
  return roles;
}

/** The integration type each registry of DOCKER_BUILD_MULTI_ARCH's `docker_registry` authenticates with. */
export const REGISTRY_INTEGRATION_TYPES: Partial<Record<DockerRegistry, IntegrationType>> = {
  DOCKER_HUB: 'DOCKER_HUB',
  AMAZON_ECR: 'AMAZON',
  GOOGLE_GCR: 'GOOGLE_SERVICE_ACCOUNT',
  GOOGLE_ARTIFACT_REGISTRY: 'GOOGLE_SERVICE_ACCOUNT',
};

/** Throws ValidationError when the integration cannot log in to that registry. */
export function checkIntegrationFits(
  registry: DockerRegistry,
  integration: Pick<Integration, 'hashId' | 'name' | 'type'>,
): void {
  const wanted = REGISTRY_INTEGRATION_TYPES[registry];
  if (wanted !== undefined && wanted !== integration.type) {
    throw new ValidationError(
      `Integration "${integration.hashId}" ("${integration.name}") is of type ${integration.type}, but "docker_registry" ${registry} needs a ${wanted} integration.`,
    );
  }
}
