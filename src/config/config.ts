import { resolve } from 'node:path';
import { parsePlatformList } from '../domain/agent-platforms.js';
import { ConfigError } from '../domain/errors.js';
import type { Platform } from '../domain/platform.js';
import type { FanOutMode } from '../domain/platform-routing.js';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  publicUrl: string;
  bootstrapToken: string | undefined;
  secretKey: string | undefined;
  /** PostgreSQL connection string for the scaled mode; SQLite in the data dir when absent. */
  databaseUrl: string | undefined;
  rateLimit: { max: number; windowSeconds: number };
  /** Failed authentications a client address may make a minute before it gets 429 (ARCHWAY_AUTH_FAILURE_LIMIT). */
  authFailureLimit: number;
  /**
   * Proxies whose X-Forwarded-For is believed (ARCHWAY_TRUSTED_PROXIES: addresses or CIDR blocks); without any, the
   * client address is the socket's.
   */
  trustedProxies: readonly string[];
  /** A job whose agent sent no heartbeat for this long fails as "agent lost". */
  agentLeaseSeconds: number;
  /** How often each push-triggered project's refs are read (`git ls-remote`); 0: never (webhooks only). */
  gitPollSeconds: number;
  /**
   * Run the built-in agent inside `archway serve`: on by default in the embedded mode, off in the scaled mode
   * (ARCHWAY_BUILTIN_AGENT=1 turns it on there, with an id per host and port).
   */
  builtInAgent: boolean;
  logLevel: string;
  /** Registries reached over plain HTTP or with unverified TLS: host[:port] (ARCHWAY_INSECURE_REGISTRIES). */
  insecureRegistries: readonly string[];
  /** certs.d-style directory of registry CAs, `<dir>/<host[:port]>/ca.crt` (ARCHWAY_REGISTRY_CA_DIR). */
  registryCaDir: string | null;
  /** Directories whose git repositories a project may name by path (ARCHWAY_LOCAL_REPO_ROOTS); none by default. */
  localRepoRoots: readonly string[];
  /**
   * Archway's own registry (a managed CNCF distribution child): on by default in the embedded mode,
   * ARCHWAY_BUILTIN_REGISTRY=0 turns it off; ARCHWAY_BUILTIN_REGISTRY_ADDR is its host:port (127.0.0.1:5000).
   */
  builtInRegistry: { enabled: boolean; addr: string };
  /**
   * The platforms an agent (`archway agent`, the built-in one) reports as native for routing instead of its host's
   * (ARCHWAY_AGENT_PLATFORMS, e.g. `linux/arm64,linux/arm/v7`); null: the host's. A bad value refuses to start.
   */
  agentPlatforms: readonly Platform[] | null;
  /**
   * Whether a multi-platform build becomes one job per platform plus an index job (ARCHWAY_FANOUT): `auto` (the
   * default) while more than one agent is known, `on` always, `off` never (one job builds every platform).
   */
  fanOut: FanOutMode;
  /** How long a platform job waits for a known native agent before another may emulate it (ARCHWAY_NATIVE_WAIT_SECONDS). */
  nativeWaitSeconds: number;
  /** A test hook: the step boundary at which the server kills itself (ARCHWAY_CRASH_AT; app/crash-point.ts). */
  crashAt: string | null;
}

const FAN_OUT_MODES: readonly FanOutMode[] = ['auto', 'on', 'off'];

function fanOut(raw: string | undefined): FanOutMode {
  if (raw === undefined || raw === '') return 'auto';
  if (!(FAN_OUT_MODES as readonly string[]).includes(raw))
    throw new ConfigError(`ARCHWAY_FANOUT must be one of ${FAN_OUT_MODES.join(', ')} (got "${raw}").`);
  return raw as FanOutMode;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max} (got "${raw}").`);
  }
  return value;
}

/** ARCHWAY_GIT_POLL_SECONDS: default 60, 0 turns polling off, else at least 2 (one `git ls-remote` per project). */
function gitPollSeconds(env: NodeJS.ProcessEnv): number {
  const value = integer(env, 'ARCHWAY_GIT_POLL_SECONDS', 60, 0, 86_400);
  if (value === 1) throw new ConfigError('ARCHWAY_GIT_POLL_SECONDS must be 0 (off) or from 2 to 86400 (got "1").');
  return value;
}

/** A comma-separated list, trimmed, without empty entries. */
function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

const FALSE = ['0', 'false', 'off', 'no'];
/** Unset or empty: the default; otherwise anything but 0/false/off/no is on. */
function flag(raw: string | undefined, fallback: boolean): boolean {
  return raw === undefined || raw === '' ? fallback : !FALSE.includes(raw.trim().toLowerCase());
}

/**
 * What the scaled mode (N replicas on one PostgreSQL) cannot work without: one secret key for all of them (a
 * `secret.key` made by each would seal secrets the others cannot open), and no built-in registry (each replica
 * would push to its own, on its own disk).
 */
function checkScaledMode(env: NodeJS.ProcessEnv): void {
  if (!env.ARCHWAY_SECRET_KEY)
    throw new ConfigError(
      'ARCHWAY_SECRET_KEY is required with ARCHWAY_DATABASE_URL: every replica must open the secrets the others sealed, so give all of them the same key (for example the output of `openssl rand -hex 32`).',
    );
  if (flag(env.ARCHWAY_BUILTIN_REGISTRY, false))
    throw new ConfigError(
      'ARCHWAY_BUILTIN_REGISTRY cannot be on with ARCHWAY_DATABASE_URL: each replica would push to a registry of its own; name a registry shared by all of them in each action instead.',
    );
}

function agentPlatforms(env: NodeJS.ProcessEnv): readonly Platform[] | null {
  try {
    const list = parsePlatformList('ARCHWAY_AGENT_PLATFORMS', env.ARCHWAY_AGENT_PLATFORMS);
    return list && Object.freeze(list);
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/** Reads the environment into a validated, frozen Config. Throws ConfigError naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const scaled = Boolean(env.ARCHWAY_DATABASE_URL);
  if (scaled) checkScaledMode(env);
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const publicUrl = (env.ARCHWAY_PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, '');
  try {
    new URL(publicUrl);
  } catch {
    throw new ConfigError(
      `ARCHWAY_PUBLIC_URL must be an absolute URL such as https://ci.example.com (got "${publicUrl}").`,
    );
  }
  return Object.freeze({
    port,
    host: env.HOST || '0.0.0.0',
    dataDir: resolve(env.ARCHWAY_DATA_DIR || './data'),
    publicUrl,
    bootstrapToken: env.ARCHWAY_BOOTSTRAP_TOKEN || undefined,
    secretKey: env.ARCHWAY_SECRET_KEY || undefined,
    databaseUrl: env.ARCHWAY_DATABASE_URL || undefined,
    rateLimit: Object.freeze({
      max: integer(env, 'ARCHWAY_RATE_LIMIT', 1000, 1, 10_000_000),
      windowSeconds: integer(env, 'ARCHWAY_RATE_LIMIT_WINDOW', 60, 1, 86_400),
    }),
    authFailureLimit: integer(env, 'ARCHWAY_AUTH_FAILURE_LIMIT', 100, 1, 1_000_000),
    trustedProxies: Object.freeze(list(env.ARCHWAY_TRUSTED_PROXIES)),
    agentLeaseSeconds: integer(env, 'ARCHWAY_AGENT_LEASE_SECONDS', 30, 3, 3600),
    gitPollSeconds: gitPollSeconds(env),
    builtInAgent: flag(env.ARCHWAY_BUILTIN_AGENT, !scaled),
    logLevel: env.ARCHWAY_LOG_LEVEL || 'info',
    insecureRegistries: Object.freeze(list(env.ARCHWAY_INSECURE_REGISTRIES)),
    registryCaDir: env.ARCHWAY_REGISTRY_CA_DIR ? resolve(env.ARCHWAY_REGISTRY_CA_DIR) : null,
    localRepoRoots: Object.freeze(list(env.ARCHWAY_LOCAL_REPO_ROOTS).map((d) => resolve(d))),
    builtInRegistry: Object.freeze({
      enabled: flag(env.ARCHWAY_BUILTIN_REGISTRY, !scaled),
      addr: env.ARCHWAY_BUILTIN_REGISTRY_ADDR || '127.0.0.1:5000',
    }),
    agentPlatforms: agentPlatforms(env),
    fanOut: fanOut(env.ARCHWAY_FANOUT),
    nativeWaitSeconds: integer(env, 'ARCHWAY_NATIVE_WAIT_SECONDS', 60, 0, 86_400),
    crashAt: env.ARCHWAY_CRASH_AT || null,
  });
}
