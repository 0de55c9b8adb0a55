import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AppError } from '../domain/errors.js';
import { inheritedEnv } from '../process/child.js';
import { sizeOf, tail, type RegistryPaths } from './registry-files.js';

/** The managed docker-registry could not be set up or started; the message ends with the tail of its log. */
export class RegistryServerError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('REGISTRY_SERVER_FAILED', message, options);
  }
}

/** One `docker-registry serve` child, watched from the moment it was spawned. */
export interface RegistryChild {
  process: ChildProcess;
  /** The size of the registry's log before the start: what follows is this child's. */
  logFrom: number;
  /** How it ended, once it has. */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | null;
  /** Resolves once it has exited. */
  exit: Promise<void>;
  /** Why it could not be spawned at all (no such program), once that is known. */
  spawnFailure(): NodeJS.ErrnoException | null;
}

/** Children still running when this process exits are killed, so that a forgotten stop() leaves nothing behind. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** From now on `child` is killed when this process exits (unless it has ended before). */
export function killOnExit(child: ChildProcess): void {
  live.add(child);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) {
      try {
        c.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }
  });
}

/** Spawns the registry on the config of `paths`, its stdout appended to the access log and its stderr to its log. */
export function spawnRegistry(paths: RegistryPaths): RegistryChild {
  // REGISTRY_* variables override the config file: the child must not inherit any (nor the server's secrets).
  const env = Object.fromEntries(Object.entries(inheritedEnv()).filter(([k]) => !k.startsWith('REGISTRY_')));
  const logFrom = sizeOf(paths.logFile);
  const outFd = openSync(paths.accessLogFile, 'a');
  const errFd = openSync(paths.logFile, 'a');
  let child: ChildProcess;
  try {
    // setpriv --pdeathsig: the registry ends with the process that started it, even after a kill -9 of it.
    child = spawn('setpriv', ['--pdeathsig', 'TERM', '--', 'docker-registry', 'serve', paths.configFile], {
      cwd: paths.dir,
      env,
      stdio: ['ignore', outFd, errFd],
    });
  } finally {
    closeSync(outFd);
    closeSync(errFd);
  }
  // Set by the listeners (closures, which TypeScript's narrowing does not see): hence the explicit types.
  let exited = null as { code: number | null; signal: NodeJS.Signals | null } | null;
  let spawnFailure = null as NodeJS.ErrnoException | null;
  const exit = new Promise<void>((done) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      live.delete(child);
      done();
    });
  });
  child.once('error', (e) => (spawnFailure = e));
  return { process: child, logFrom, exited: () => exited, exit, spawnFailure: () => spawnFailure };
}

type Probe = { ready: true } | { ready: false; fatal: boolean; detail: string };

/**
 * One `GET /v2/`: 200 or 401 means up. Connection refused/reset or no answer within 1 s means not yet; any other
 * error (TLS) is fatal.
 */
function probe(url: string, ca: Buffer | undefined): Promise<Probe> {
  return new Promise((done) => {
    const req = (ca ? httpsRequest : httpRequest)(
      `${url}/v2/`,
      { method: 'GET', timeout: 1_000, ...(ca && { ca }) },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        done(
          status === 200 || status === 401
            ? { ready: true }
            : { ready: false, fatal: false, detail: `GET /v2/ answered ${status}` },
        );
      },
    );
    req.once('timeout', () => {
      done({ ready: false, fatal: false, detail: `GET ${url}/v2/: timed out` });
      req.destroy();
    });
    req.once('error', (e: NodeJS.ErrnoException) => {
      const transient = ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(e.code ?? '');
      done({ ready: false, fatal: !transient, detail: `GET ${url}/v2/: ${e.code ? `${e.code}: ` : ''}${e.message}` });
    });
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The sentence for a start that failed, with what the child wrote to its log since it started. */
function startFailure(paths: RegistryPaths, child: RegistryChild, what: string): RegistryServerError {
  const log = tail(paths.logFile, child.logFrom);
  return new RegistryServerError(
    `docker-registry on ${paths.host} ${what}${log ? `; its log (${paths.logFile}) ends with:\n${log}` : ` (nothing in ${paths.logFile})`}`,
  );
}

/**
 * Waits until the child says it listens on its address and answers `GET /v2/` (trusting `ca` over TLS). Rejects
 * with RegistryServerError when it cannot be spawned, exits, answers unusably or stays silent for `timeoutMs`
 * (then it is killed first).
 */
export async function waitUntilListening(
  child: RegistryChild,
  paths: RegistryPaths,
  ca: Buffer | undefined,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    await sleep(50);
    const e = child.spawnFailure();
    if (e) {
      throw new RegistryServerError(
        e.code === 'ENOENT'
          ? '"docker-registry" is not installed (not found on PATH).'
          : `cannot start docker-registry: ${e.message}`,
        { cause: e },
      );
    }
    const exited = child.exited();
    if (exited) throw startFailure(paths, child, `exited during startup (${exited.signal ?? `code ${exited.code}`})`);
    // Only our own child counts: another server on the same port would answer the probe too.
    const bound = tail(paths.logFile, child.logFrom, Infinity).includes(`listening on ${paths.host}`);
    const p: Probe = bound ? await probe(paths.url, ca) : { ready: false, fatal: false, detail: 'not listening yet' };
    if (p.ready) return;
    last = p.detail;
    if (p.fatal || Date.now() > deadline) {
      child.process.kill('SIGKILL');
      await child.exit;
      throw startFailure(
        paths,
        child,
        p.fatal ? `is not usable: ${last}` : `did not answer within ${timeoutMs} ms (last: ${last})`,
      );
    }
  }
}
