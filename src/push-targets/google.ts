import { maskSecrets } from '../domain/secret-masking.js';
import { createPrivateKey } from 'node:crypto';
import { JWT, type Credentials } from 'google-auth-library';
import { isGoogleRegistryHost } from '../domain/multi-arch-build.js';
import { cachedCredentialSource, staticCredentialSource } from './cached-source.js';
import { RegistryConfigError, RegistryCredentialsError } from './errors.js';
import { splitRepository } from './names.js';
import type { RegistryInput, RegistryTarget, RegistryToken, ResolveOptions } from './types.js';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
/** Where google-auth-library 10 always sends service-account token requests (it ignores the key's token_uri). */
export const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';
const LOOPBACK = /^(?:127(?:\.[0-9]{1,3}){3}|localhost|\[::1\])$/;
const NETWORK = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'];

export interface ServiceAccountKey {
  clientEmail: string;
  privateKey: string;
  privateKeyId: string | null;
  projectId: string | null;
  tokenUri: string;
  /** The key as the user gave it (the `_json_key` password). */
  raw: string;
}

function keyError(what: string): RegistryConfigError {
  return new RegistryConfigError(
    `The GOOGLE_SERVICE_ACCOUNT integration's key ${what}: paste the whole JSON key file of the service account (IAM > Service accounts > Keys > Add key > JSON).`,
  );
}

function checkTokenUri(value: unknown): string {
  if (value === undefined || value === null || value === '') return GOOGLE_TOKEN_URI;
  let url: URL;
  try {
    url = new URL(typeof value === 'string' ? value : JSON.stringify(value));
  } catch {
    throw keyError('has a "token_uri" that is not a URL');
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.test(url.hostname))) return url.href;
  throw keyError('has a "token_uri" that is neither https nor a loopback address');
}

/**
 * Reads a service-account JSON key. Throws RegistryConfigError (never quoting the key) when it is not JSON, not of
 * type service_account, lacks client_email or private_key, holds no readable PEM private key, or has a token_uri
 * that is neither https nor loopback http.
 */
export function parseServiceAccountKey(raw: string): ServiceAccountKey {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    throw keyError('is not JSON');
  }
  if (typeof json !== 'object' || json === null) throw keyError('is not a JSON object');
  if (json.type !== 'service_account') throw keyError(`is of type "${String(json.type)}", not "service_account"`);
  const clientEmail = typeof json.client_email === 'string' ? json.client_email : '';
  const privateKey = typeof json.private_key === 'string' ? json.private_key : '';
  if (!clientEmail || !privateKey) throw keyError('lacks "client_email" or "private_key"');
  try {
    createPrivateKey(privateKey);
  } catch {
    throw keyError('has a "private_key" that is not a PEM private key');
  }
  const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
  return {
    clientEmail,
    privateKey,
    privateKeyId: str(json.private_key_id),
    projectId: str(json.project_id),
    tokenUri: checkTokenUri(json.token_uri),
    raw,
  };
}

interface TokenFailure {
  code?: string;
  cause?: { code?: string };
  response?: { status?: number; data?: { error?: string; error_description?: string } };
}

/** A sentence for a failed token request; deliberately no `cause`, since the request carried a signed assertion. */
function googleFailure(err: unknown, key: ServiceAccountKey): RegistryCredentialsError {
  const e = (err ?? {}) as TokenFailure;
  const origin = new URL(key.tokenUri).origin;
  const code = e.code ?? e.cause?.code ?? '';
  const data = e.response?.data;
  if (data?.error) {
    const said = maskSecrets(`${data.error}${data.error_description ? `: ${data.error_description}` : ''}`, [
      key.privateKey,
    ]);
    const clock = /iat|exp|timeframe/i.test(data.error_description ?? '') ? "; check this machine's clock" : '';
    return new RegistryCredentialsError(
      'AUTH_FAILED',
      `Google rejected the service-account key of ${key.clientEmail} (${said}): the key may have been deleted or disabled, or the account removed; create a new key and update the GOOGLE_SERVICE_ACCOUNT integration${clock}.`,
    );
  }
  if (NETWORK.includes(code)) {
    return new RegistryCredentialsError(
      'REGISTRY_UNREACHABLE',
      `Could not reach Google's token endpoint ${origin} (${code}): check the network and try again.`,
    );
  }
  const status = e.response?.status ? `HTTP ${e.response.status}` : code || 'no answer';
  return new RegistryCredentialsError(
    'AUTH_FAILED',
    `Getting an access token for ${key.clientEmail} from ${origin} failed (${status}); try again, and check the GOOGLE_SERVICE_ACCOUNT integration's key.`,
  );
}

/**
 * An OAuth2 access token (scope cloud-platform) for the key, fetched by google-auth-library's JWT client. That client
 * always posts to GOOGLE_TOKEN_URI; a key whose token_uri differs (a local stand-in in tests, another universe) gets
 * its token request redirected there by a request interceptor. Rejects with RegistryCredentialsError.
 */
export async function fetchGoogleAccessToken(key: ServiceAccountKey): Promise<RegistryToken> {
  const jwt = new JWT({
    email: key.clientEmail,
    key: key.privateKey,
    keyId: key.privateKeyId ?? undefined,
    scopes: [CLOUD_PLATFORM_SCOPE],
    transporterOptions: { timeout: 30_000 },
  });
  if (key.tokenUri !== GOOGLE_TOKEN_URI) {
    jwt.transporter.interceptors.request.add({
      resolved: async (config) =>
        String(config.url) === GOOGLE_TOKEN_URI ? { ...config, url: new URL(key.tokenUri) } : config,
    });
  }
  let tokens: Credentials;
  try {
    tokens = await jwt.authorize();
  } catch (err) {
    throw googleFailure(err, key);
  }
  // An answer without a token: the failure without a status ("… failed (no answer)").
  if (!tokens.access_token) throw googleFailure({}, key);
  const expiresAt = typeof tokens.expiry_date === 'number' ? new Date(tokens.expiry_date) : null;
  return { username: 'oauth2accesstoken', password: tokens.access_token, expiresAt };
}

/** host + path for gcr.io-family and REGION-docker.pkg.dev hosts; a missing project segment is filled from the key. */
function googlePlacement(
  input: RegistryInput,
  projectId: string | null,
): { host: string; path: string; notes: string[] } {
  const split = splitRepository(input.repository);
  const host = input.registry || split.host;
  if (!host || !isGoogleRegistryHost(host)) {
    throw new RegistryConfigError(
      `"registry" must be gcr.io, us.gcr.io, eu.gcr.io, asia.gcr.io or a REGION-docker.pkg.dev host for Google's registries (got "${host ?? ''}").`,
    );
  }
  if (split.host && split.host !== host) {
    throw new RegistryConfigError(
      `"repository" names the host ${split.host} but "registry" is ${host}; make them agree.`,
    );
  }
  const needed = host.endsWith('.pkg.dev') ? 3 : 2;
  const shape = needed === 3 ? 'PROJECT/REPOSITORY/IMAGE' : 'PROJECT/IMAGE';
  const segments = split.path.split('/').length;
  if (segments >= needed) return { host, path: split.path, notes: [] };
  if (segments === needed - 1 && projectId) {
    const path = `${projectId}/${split.path}`;
    return {
      host,
      path,
      notes: [
        `${host} paths are ${shape}: pushing "${split.path}" as "${host}/${path}" (the service account's project).`,
      ],
    };
  }
  throw new RegistryConfigError(`"repository" for ${host} must be ${shape} (got "${split.path}").`);
}

/**
 * Google Container Registry hosts (gcr.io, us./eu./asia.gcr.io) and Artifact Registry (REGION-docker.pkg.dev).
 * Container Registry stopped taking pushes on 2025-03-18; Google now serves gcr.io from Artifact Registry for
 * migrated projects (a gcr.io-compatible repository in the project), so the host stays gcr.io and a denied push
 * usually means the project has no such repository yet (pushDeniedHint says so).
 * Credentials: "oauth2accesstoken" + an access token refreshed 5 minutes before expiry (default), or `_json_key` +
 * the whole key. Throws RegistryConfigError for unusable fields or keys; token failures reject `get()`.
 */
export function googleTarget(input: RegistryInput, opts: ResolveOptions = {}): RegistryTarget {
  const i = input.integration;
  if (!i?.serviceAccountKey)
    throw new RegistryConfigError(
      'Google\'s registries need a GOOGLE_SERVICE_ACCOUNT integration with a JSON key: set "integration_hash".',
    );
  if (i.type !== 'GOOGLE_SERVICE_ACCOUNT')
    throw new RegistryConfigError(
      `Google's registries need a GOOGLE_SERVICE_ACCOUNT integration, but the action's integration is of type ${i.type}.`,
    );
  const key = parseServiceAccountKey(i.serviceAccountKey);
  const { host, path, notes } = googlePlacement(input, key.projectId);
  const credentials =
    opts.googleCredentials === 'json-key'
      ? staticCredentialSource('_json_key', key.raw)
      : cachedCredentialSource(() => fetchGoogleAccessToken(key), {
          clock: opts.clock,
          marginMs: opts.refreshMarginMs,
        });
  const pushDeniedHint = host.endsWith('gcr.io')
    ? `Container Registry stopped taking pushes in March 2025; ${host} is now served by Artifact Registry: create a gcr.io repository in Artifact Registry for the project (or migrate it) and give ${key.clientEmail} the Artifact Registry Writer role.`
    : `Check that the Artifact Registry repository exists and that ${key.clientEmail} has the Artifact Registry Writer role.`;
  return { host, repositoryPath: path, credentials, notes, pushDeniedHint };
}
