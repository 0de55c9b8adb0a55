import { randomBytes } from 'node:crypto';
import { ForbiddenError, UnauthorizedError, ValidationError } from '../domain/errors.js';
import { isScope, SCOPES, type Scope } from '../domain/scopes.js';
import { checkIpRestrictions, ipAllowed } from '../domain/ip-restriction.js';
import { isExpired, reachBeyond, reachesWithin, type AccessToken, type User } from '../domain/token.js';
import type { Caller } from './caller.js';
import { notFound } from './not-found.js';
import type { Clock } from './ports/clock.js';
import type { Page } from './ports/page.js';
import type { Secrets } from './ports/secrets.js';
import type { Store } from './ports/store.js';

export interface TokenInput {
  name?: string;
  scopes?: string[];
  workspaceRestrictions?: string[];
  ipRestrictions?: string[];
  /** Days until the token expires; absent = never. */
  expiresIn?: number | null;
}

const ADMIN_NAME = 'admin';

/**
 * Authenticated callers are kept this long, so a request costs no token or user lookup (2 of the 6 statements of
 * get-action). Deleting a token on this server clears it at once; on another replica (scaled mode) a deleted
 * token can work up to this long. Expiry is checked on every request.
 */
const CALLER_CACHE_MS = 5_000;
const CALLER_CACHE_MAX = 1_000;

export function createTokenUseCases(store: Store, secrets: Secrets, clock: Clock) {
  const callers = new Map<string, { caller: Caller; until: number }>();
  async function issue(
    user: User,
    input: TokenInput,
    value = secrets.newToken(),
    repos: Pick<Store, 'tokens'> = store,
  ): Promise<{ token: AccessToken; value: string }> {
    if (!input.name?.trim()) throw new ValidationError('"name" is required.');
    const scopes = input.scopes ?? [];
    if (scopes.length === 0)
      throw new ValidationError(`"scopes" must list at least one scope; allowed: ${SCOPES.join(', ')}.`);
    const unknown = scopes.filter((s) => !isScope(s));
    if (unknown.length)
      throw new ValidationError(`"scopes" has unknown values ${unknown.join(', ')}; allowed: ${SCOPES.join(', ')}.`);
    const days = input.expiresIn;
    if (days != null && (!Number.isInteger(days) || days < 1))
      throw new ValidationError('"expires_in" must be a whole number of days, at least 1.');
    const expiresAt = days == null ? null : new Date(clock.now().getTime() + days * 86_400_000);
    const token = await repos.tokens.create({
      id: randomBytes(12).toString('hex'),
      userId: user.id,
      name: input.name.trim(),
      scopes: [...new Set(scopes)] as Scope[],
      workspaceRestrictions: input.workspaceRestrictions ?? [],
      ipRestrictions: checkIpRestrictions(input.ipRestrictions ?? []),
      expiresAt,
      tokenHash: secrets.digestToken(value),
    });
    return { token, value };
  }

  /** A token of the caller's user within the caller's reach; 404 (as for a token that does not exist) otherwise. */
  async function visibleToken(caller: Caller, id: string): Promise<AccessToken> {
    const token = await store.tokens.byId(caller.user.id, id);
    if (!token || !reachesWithin(token, caller.token)) return notFound(`Token "${id}" not found.`);
    return token;
  }

  /** The caller of a bearer token, from a 5 s cache or the store. */
  async function known(value: string | undefined): Promise<Caller> {
    if (!value) throw new UnauthorizedError('Missing access token: send "Authorization: Bearer <token>".');
    const digest = secrets.digestToken(value);
    const now = clock.now();
    const cached = callers.get(digest);
    if (cached && cached.until > now.getTime()) {
      if (isExpired(cached.caller.token, now)) throw new UnauthorizedError('The access token has expired.');
      return cached.caller;
    }
    const token = await store.tokens.byHash(digest);
    if (!token) throw new UnauthorizedError('Invalid access token.');
    if (isExpired(token, now)) throw new UnauthorizedError('The access token has expired.');
    const user = await store.users.byId(token.userId);
    if (!user) throw new UnauthorizedError('Invalid access token.');
    if (callers.size >= CALLER_CACHE_MAX) callers.clear();
    callers.set(digest, { caller: { token, user }, until: now.getTime() + CALLER_CACHE_MS });
    return { token, user };
  }

  async function adminUser(repos: Pick<Store, 'users'> = store): Promise<User> {
    return (await repos.users.first()) ?? repos.users.create({ name: ADMIN_NAME, email: 'admin@localhost' });
  }

  return {
    /**
     * Resolves a bearer token to its caller; 401 for a missing, unknown or expired token, 403 for a token whose
     * `ip_restrictions` do not include `clientAddress` (when given).
     */
    async authenticate(value: string | undefined, clientAddress?: string): Promise<Caller> {
      const caller = await known(value);
      if (clientAddress !== undefined && !ipAllowed(caller.token.ipRestrictions, clientAddress))
        throw new ForbiddenError(`This token may not be used from ${clientAddress} (its "ip_restrictions").`);
      return caller;
    },
    /**
     * Start-up: makes ARCHWAY_BOOTSTRAP_TOKEN a full-scope token when given; otherwise, on an empty store,
     * creates an admin token and returns its value so the caller prints it once.
     */
    async bootstrap(bootstrapToken: string | undefined): Promise<{ createdValue?: string }> {
      // Under a lock across replicas: two starting at once on an empty database make one admin user, and the
      // second sees the first's tokens (so prints none of its own).
      return store.exclusive('bootstrap', async (tx) => {
        const user = await adminUser(tx);
        const everything = { name: 'bootstrap', scopes: [...SCOPES] };
        if (bootstrapToken) {
          if (!(await tx.tokens.byHash(secrets.digestToken(bootstrapToken))))
            await issue(user, everything, bootstrapToken, tx);
          return {};
        }
        if ((await tx.tokens.count()) > 0) return {};
        const { value } = await issue(user, { ...everything, name: 'admin' }, undefined, tx);
        return { createdValue: value };
      });
    },
    /** A token of the caller's user that reaches no further than the caller's own token (403 otherwise). */
    async create(caller: Caller, input: TokenInput) {
      const wanted = {
        scopes: (input.scopes ?? []).filter(isScope),
        workspaceRestrictions: input.workspaceRestrictions ?? [],
      };
      const beyond = reachBeyond(wanted, caller.token);
      if (beyond) throw new ForbiddenError(`Cannot create this token: ${beyond}.`);
      return issue(caller.user, input);
    },
    /** For the CLI on the server host: a token of the admin user, made without an API call. */
    issueForAdmin: async (input: TokenInput) => issue(await adminUser(), input),
    /**
     * The caller's user's tokens that the caller could itself have made: a narrow token does not see (nor learn
     * the names of) the tokens that reach further. Filtered after paging a user's whole list (tokens per user are
     * few; a page may come back shorter than `perPage`).
     */
    async list(caller: Caller, page: Page): Promise<AccessToken[]> {
      const all = await store.tokens.list(caller.user.id, { ...page, page: 1, perPage: Number.MAX_SAFE_INTEGER });
      const visible = all.filter((t) => reachesWithin(t, caller.token));
      return visible.slice((page.page - 1) * page.perPage, page.page * page.perPage);
    },
    get: (caller: Caller, id: string) => visibleToken(caller, id),
    async remove(caller: Caller, id: string): Promise<void> {
      const token = await visibleToken(caller, id);
      await store.tokens.remove(token.id);
      callers.clear();
    },
  };
}
export type TokenUseCases = ReturnType<typeof createTokenUseCases>;
