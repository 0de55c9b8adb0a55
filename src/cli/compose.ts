import { chmodSync, mkdirSync, realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../app/ports/clock.js';
import type { Notifier } from '../app/ports/notifier.js';
import type { RevisionSource } from '../app/ports/revision-source.js';
import type { Secrets } from '../app/ports/secrets.js';
import type { Store } from '../app/ports/store.js';
import { createUseCases, type UseCases } from '../app/use-cases.js';
import { createStoredVariableLayers } from '../app/variables.js';
import type { VariableLayers } from '../app/variable-scope.js';
import type { Config } from '../config/config.js';
import type { ExecutionTrigger } from '../domain/execution.js';
import type { Pipeline } from '../domain/pipeline.js';
import { createDatabaseClock } from '../app/database-clock.js';
import { armCrashPoint } from '../app/crash-point.js';
import { createMemoryNotifier } from '../notify/memory.js';
import { createPgNotifier } from '../notify/pg-notifier.js';
import { loadSecretKey } from '../secrets/key-source.js';
import { createSecretBox } from '../secrets/secret-box.js';
import { createPostgresDialect } from '../store/dialects/postgres.js';
import { createSqliteDialect } from '../store/dialects/sqlite.js';
import { createKyselyStore } from '../store/store.js';
import { pendingMigrations } from '../store/migrate.js';
import { buildApi } from '../api/app.js';
import { createUrls } from '../api/buddy-json/urls.js';
import { buildAssets } from '../web/assets.js';
import { registerWebApp } from '../web/web-app.js';
import { createGitRevisionSource } from '../git/index.js';
import { startAgent } from './agent.js';
import { startBuiltInRegistry } from './builtin-registry.js';
import type { DefaultRegistry } from '../domain/job-spec.js';

export interface Core {
  store: Store;
  secrets: Secrets;
  useCases: UseCases;
  notifier: Notifier;
  /** The built-in registry, when it runs: where bare repositories go. */
  defaultRegistry: DefaultRegistry | null;
  /** What /readyz reports: each check's failure, or null when it passes. */
  readiness: () => Promise<Record<string, string | null>>;
  close: () => Promise<void>;
}

/** Adapters a test may replace (a revision source or variable layers of its own). */
export interface CoreOverrides {
  revisions?: RevisionSource;
  variableLayers?: VariableLayers;
  claimWaitMs?: number;
  /** A clock of the test's own (schedules driven without waiting for the minute). */
  clock?: Clock;
}

/**
 * The path with its symbolic links followed: the longest part that exists is resolved and the rest appended (a
 * link inside an allowed root that points into the data dir is seen even when the named file does not exist).
 */
function realpathOr(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realpathOr(parent), basename(path));
  }
}

const SWEEP_MS = 30_000;
const SCHEDULE_CHECK_MS = 1_000;

/** The one place that picks concrete adapters: SQLite in the data dir by default, PostgreSQL when configured. */
export async function openCore(
  config: Config,
  overrides: CoreOverrides = {},
  defaultRegistry: DefaultRegistry | null = null,
  onHeld?: (pipeline: Pipeline, trigger: ExecutionTrigger, reason: string) => void,
): Promise<Core> {
  armCrashPoint(config.crashAt);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(config.dataDir, 0o700); // also a data dir that existed before (mkdir's mode applies only to new ones)
  const secrets = createSecretBox(loadSecretKey({ secretKey: config.secretKey, dataDir: config.dataDir }));
  const dialect = config.databaseUrl
    ? createPostgresDialect({
        connectionString: config.databaseUrl,
        onIdleError: (error) =>
          process.emitWarning(`PostgreSQL dropped an idle connection (the pool opens a new one): ${error.message}`),
      })
    : createSqliteDialect({ file: join(config.dataDir, 'archway.db') });
  const store = await createKyselyStore(dialect);
  const warn = (what: string) => (error: unknown) =>
    process.emitWarning(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  // Scaled mode: wake-ups cross replicas through LISTEN/NOTIFY, and leases are written and read on the database's
  // time. Embedded: one process, its memory and its clock.
  const pg = config.databaseUrl
    ? createPgNotifier({ connectionString: config.databaseUrl, onError: warn('notifications between replicas') })
    : null;
  const dbClock = config.databaseUrl
    ? createDatabaseClock(store, { onError: warn('reading the database clock') })
    : null;
  // A replica that cannot listen yet still starts (its /readyz says so, and the notifier keeps reconnecting).
  const listening = pg?.ready.catch(() => undefined);
  await Promise.all([dbClock?.ready, Promise.race([listening, new Promise((r) => setTimeout(r, 10_000).unref())])]);
  const notifier = pg?.notifier ?? createMemoryNotifier();
  const useCases = createUseCases({
    store,
    secrets,
    notifier,
    clock: overrides.clock ?? dbClock?.clock ?? { now: () => new Date() },
    revisions: overrides.revisions ?? createGitRevisionSource({ mirrorsDir: join(config.dataDir, 'git') }),
    variableLayers: overrides.variableLayers ?? createStoredVariableLayers(store, secrets),
    leaseMs: config.agentLeaseSeconds * 1000,
    fanOut: config.fanOut,
    nativeWaitMs: config.nativeWaitSeconds * 1000,
    gitPollMs: config.gitPollSeconds * 1000,
    defaultRegistry,
    onHeld,
    localRepos: {
      roots: config.localRepoRoots,
      forbidden: [config.dataDir, realpathOr(config.dataDir)],
      realpath: realpathOr,
    },
  });
  async function readiness(): Promise<Record<string, string | null>> {
    // Public answers: a fixed sentence per failure, the driver's own message (hosts, users) only in the log.
    const within = async (what: string, p: Promise<string | null>): Promise<string | null> => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<string>((r) => (timer = setTimeout(() => r('no answer within 2 s'), 2_000)));
      try {
        return await Promise.race([p, late]);
      } catch (error) {
        warn(`readiness check "${what}" failed`)(error);
        return 'the check failed (see the server log)';
      } finally {
        clearTimeout(timer);
      }
    };
    const database = await within(
      'database',
      store.databaseTime().then(() => null),
    );
    const migrations =
      database === null
        ? await within(
            'migrations',
            pendingMigrations(dialect).then((pending) =>
              pending.length ? `not applied: ${pending.join(', ')}` : null,
            ),
          )
        : 'the database is unreachable';
    const notifications = pg && !pg.listening() ? 'not listening for notifications from the other replicas' : null;
    return { database, migrations, notifications };
  }
  return {
    store,
    secrets,
    useCases,
    notifier,
    defaultRegistry,
    readiness,
    async close() {
      dbClock?.stop();
      await pg?.close();
      await store.close();
    },
  };
}

/** Core + API, bootstrapped; used by `archway serve` and by the end-to-end tests. */
export async function createServer(config: Config, logger: FastifyBaseLogger | false, overrides: CoreOverrides = {}) {
  const builtIn = config.builtInRegistry.enabled ? await startBuiltInRegistry(config) : null;
  let log: FastifyBaseLogger | null = null;
  const core = await openCore(config, overrides, builtIn?.target ?? null, (pipeline, trigger, reason) =>
    log?.info(
      { pipelineId: pipeline.id, trigger },
      `no run: the pipeline's trigger conditions held it back: ${reason}`,
    ),
  );
  const { createdValue } = await core.useCases.tokens.bootstrap(config.bootstrapToken);
  const app = await buildApi({
    useCases: core.useCases,
    publicUrl: config.publicUrl,
    rateLimit: config.rateLimit,
    authFailureLimit: config.authFailureLimit,
    trustedProxies: config.trustedProxies,
    logger,
    claimWaitMs: overrides.claimWaitMs,
    readiness: core.readiness,
  });
  log = app.log;
  await registerWebApp(app, {
    useCases: core.useCases,
    urls: createUrls(config.publicUrl),
    secure: config.publicUrl.startsWith('https:'),
    assets: await buildAssets(),
  });
  // Sessions that ended without a request to notice are dropped with every sweep.
  const sessionSweeper = setInterval(
    () => void core.useCases.sessions.sweep().catch((err: unknown) => app.log.error({ err }, 'session sweep failed')),
    SWEEP_MS,
  );
  sessionSweeper.unref();
  // Jobs whose agent went silent fail as "agent lost"; runs left over from a previous start carry on.
  const reapEveryMs = Math.min(5_000, (config.agentLeaseSeconds * 1000) / 3);
  const reaper = setInterval(
    () => void core.useCases.agentJobs.reap().catch((err: unknown) => app.log.error({ err }, 'reaper failed')),
    reapEveryMs,
  );
  reaper.unref();
  // Every 30 s a sweep heals what a crash or a lost race left between two steps and advances every unfinished run
  // (a missed "next run" start included); it is harmless when two replicas sweep at once (compare-and-set writes).
  const sweeper = setInterval(
    () => void core.useCases.agentJobs.recover().catch((err: unknown) => app.log.error({ err }, 'sweep failed')),
    SWEEP_MS,
  );
  sweeper.unref();
  // Schedules: every replica looks for due ticks each second; a tick is claimed in the database, so it runs once.
  let ticking: Promise<void> | null = null;
  const scheduler = setInterval(() => {
    ticking ??= core.useCases.scheduler
      .tick()
      .then(({ failed }) => {
        for (const f of failed)
          app.log.error({ err: f.error, pipelineId: f.pipelineId }, 'a scheduled run failed to start');
      })
      .catch((err: unknown) => app.log.error({ err }, 'schedule check failed'))
      .finally(() => (ticking = null));
  }, SCHEDULE_CHECK_MS);
  scheduler.unref();
  // Push triggers: due projects polled each second (each poll claimed by one replica); the list of projects to
  // poll is made again with every sweep (a pipeline's PUSH event added or removed).
  let polling: Promise<void> | null = null;
  const poller = setInterval(() => {
    if (!config.gitPollSeconds) return;
    polling ??= core.useCases.gitPoller
      .tick()
      .then(({ failed }) => {
        for (const f of failed) app.log.warn({ err: f.error, projectId: f.projectId }, 'polling a repository failed');
      })
      .catch((err: unknown) => app.log.error({ err }, 'git poll failed'))
      .finally(() => (polling = null));
  }, SCHEDULE_CHECK_MS);
  poller.unref();
  const reconcile = () =>
    Promise.all([
      core.useCases.scheduler.reconcile(),
      config.gitPollSeconds ? core.useCases.gitPoller.reconcile() : undefined,
    ]).catch((err: unknown) => app.log.error({ err }, 'trigger reconcile failed'));
  const reconciler = setInterval(() => void reconcile(), SWEEP_MS);
  reconciler.unref();
  app.addHook('onReady', async () => {
    await core.useCases.agentJobs.recover();
    await reconcile();
  });
  app.addHook('onClose', async () => {
    clearInterval(reaper);
    clearInterval(sweeper);
    clearInterval(scheduler);
    clearInterval(poller);
    clearInterval(reconciler);
    clearInterval(sessionSweeper);
    await Promise.all([ticking, polling]);
    await core.close();
    await builtIn?.registry.stop();
  });
  return { app, core, createdToken: createdValue, registry: builtIn?.registry ?? null };
}

/**
 * The agent inside `archway serve`: it registers itself (a new token each start, stored hashed) and talks to
 * this server over loopback HTTP exactly as a remote agent does. Returns its stop function.
 */
export async function startBuiltInAgent(
  config: Readonly<Config>,
  core: Core,
  listenUrl: string,
  log: FastifyBaseLogger,
): Promise<() => Promise<void>> {
  const url = new URL(listenUrl);
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = '127.0.0.1';
  // Embedded: one server, one built-in agent. Scaled: one per replica, named by host and port, so a replica
  // starting does not revoke (re-register) another's.
  const id = config.databaseUrl ? `built-in@${hostname()}:${url.port || config.port}` : 'built-in';
  const { token } = await core.useCases.agentJobs.registerAgent(id, [], id);
  // The built-in registry speaks plain HTTP on loopback.
  const insecure = core.defaultRegistry
    ? [...config.insecureRegistries, core.defaultRegistry.host]
    : config.insecureRegistries;
  const runner = await startAgent({
    config: { ...config, insecureRegistries: insecure },
    server: url.origin,
    token,
    log,
  });
  return () => runner.stop();
}
