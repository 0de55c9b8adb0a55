import { DEFAULT_REFRESH_MARGIN_MS, type CredentialSource, type RegistryToken } from './types.js';

/** Credentials that never expire on their own (login/password, Docker Hub, `_json_key`). Never throws or rejects. */
export function staticCredentialSource(username: string, password: string): CredentialSource {
  const token: RegistryToken = { username, password, expiresAt: null };
  return { get: async () => ({ ...token }), invalidate: () => undefined };
}

/**
 * Wraps a token fetcher with a cache: `get()` returns the cached token until `marginMs` before its `expiresAt`
 * and fetches a new one after that; concurrent callers share one fetch. A failed fetch rejects every waiting
 * caller with the fetcher's error and caches nothing, so the next `get()` tries again.
 */
export function cachedCredentialSource(
  fetchToken: () => Promise<RegistryToken>,
  opts: { clock?: () => number; marginMs?: number } = {},
): CredentialSource {
  const clock = opts.clock ?? Date.now;
  const margin = opts.marginMs ?? DEFAULT_REFRESH_MARGIN_MS;
  let cached: RegistryToken | null = null;
  let inFlight: Promise<RegistryToken> | null = null;
  const fresh = (t: RegistryToken) => t.expiresAt === null || t.expiresAt.getTime() - margin > clock();
  return {
    async get() {
      if (cached && fresh(cached)) return { ...cached };
      inFlight ??= fetchToken().then(
        (token) => {
          cached = token;
          inFlight = null;
          return token;
        },
        (err: unknown) => {
          inFlight = null;
          throw err;
        },
      );
      return { ...(await inFlight) };
    },
    invalidate() {
      cached = null;
    },
  };
}
