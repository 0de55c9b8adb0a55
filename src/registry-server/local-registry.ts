import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { inheritedEnv } from '../process/child.js';

/**
 * A CNCF distribution registry (`docker-registry`, 2.8.x) run as a child process on a loopback address, with a
 * config file of its own (never the package's, which listens on all interfaces): storage under `<dir>/data`,
 * deletes enabled, a fixed http.secret, optional htpasswd (bcrypt entries only) and TLS.
 * The registry writes its access log (Apache combined format) to stdout and its own log to stderr; both go to files.
 */
export interface LocalRegistryOptions {
  /** Holds config.yml, data/, access.log and registry.log. Created when missing. */
  dir: string;
  /** Address to listen on; loopback by default. */
  host?: string;
  /** 0 or absent: a free port is picked. */
  port?: number;
  /** An htpasswd file with bcrypt entries (`htpasswd -B`); MD5 entries are rejected silently (401). */
  htpasswdFile?: string;
  /** Serve HTTPS. `caFile` is what the readiness probe trusts (default: certFile, fine when self-signed or a chain). */
  tls?: { certFile: string; keyFile: string; caFile?: string };
  /** Where the registry's own log (stderr) goes; default `<dir>/registry.log`. */
  logFile?: string;
  /** Where the access log (stdout) goes; default `<dir>/access.log`. */
  accessLogFile?: string;
  /** How long to wait for `GET /v2/` to answer; default 10 s. */
  startTimeoutMs?: number;
}

export interface AccessLogEntry {
  method: string;
  /** Path and query, as requested. */
  target: string;
  status: number;
  /** The basic-auth user, or null. */
  user: string | null;
}

export interface LocalRegistry {
  /** `host:port`, as used in image references (e.g. `127.0.0.1:41234`). */
  host: string;
  /** `http://host:port` or `https://host:port`. */
  url: string;
  pid: number;
  dir: string;
  configFile: string;
  logFile: string;
  accessLogFile: string;
  /** Access-log entries written since this start. */
  accessLog(): Promise<AccessLogEntry[]>;
  /** Blobs uploaded since this start: completed uploads (PUT, or monolithic POST with a digest, answered 201). Mounts are not counted. */
  countBlobUploads(): Promise<number>;
  /** SIGTERM (SIGKILL after 5 s) by PID; resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
}

const SECRET = 'archway-local-registry-http-secret';
const LINE = /^\S+ \S+ (\S+) \[[^\]]*\] "(\S+) (\S+) [^"]*" (\d{3}) /;

/** Parses the registry's access log (combined format). Lines that are not access entries are skipped. */
export function parseAccessLog(text: string): AccessLogEntry[] {
  const entries: AccessLogEntry[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    entries.push({ user: m[1] === '-' ? null : m[1]!, method: m[2]!, target: m[3]!, status: Number(m[4]) });
  }
  return entries;
}

/** Completed blob uploads in access-log entries (see LocalRegistry.countBlobUploads). */
export function countBlobUploads(entries: readonly AccessLogEntry[]): number {
  return entries.filter((e) => {
    if (e.status !== 201 || !/^\/v2\/.+\/blobs\/uploads\//.test(e.target)) return false;
    if (e.method === 'PUT') return true;
    return e.method === 'POST' && /[?&]digest=/.test(e.target) && !/[?&]mount=/.test(e.target);
  }).length;
}

/** The registry config, as YAML (values are JSON-quoted strings, which YAML reads as they are). */
export function registryConfigYaml(o: {
  dataDir: string;
  addr: string;
  htpasswdFile?: string;
  tls?: { certFile: string; keyFile: string };
}): string {
  const q = JSON.stringify;
  const lines = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  formatter: text',
    '  accesslog:',
    '    disabled: false',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${q(o.dataDir)}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${q(o.addr)}`,
    `  secret: ${q(SECRET)}`,
  ];
  if (o.tls) lines.push('  tls:', `    certificate: ${q(o.tls.certFile)}`, `    key: ${q(o.tls.keyFile)}`);
  if (o.htpasswdFile)
    lines.push('auth:', '  htpasswd:', `    realm: ${q('archway')}`, `    path: ${q(o.htpasswdFile)}`);
  return `${lines.join('\n')}\n`;
}

/** A free TCP port on `host` (bound, then released: a race with other processes is possible, hence the retry below). */
export function pickFreePort(host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolvePort(port) : reject(new Error(`no free port on ${host}`))));
    });
  });
}

/** Children still running when this process exits are killed, so that a forgotten stop() leaves nothing behind. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
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

function tail(file: string, from: number, maxChars = 2_000): string {
  try {
    const text = readFileSync(file, 'utf8').slice(from).trim();
    return text.length > maxChars ? `…${text.slice(-maxChars)}` : text;
  } catch {
    return '';
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

type Probe = { ready: true } | { ready: false; fatal: boolean; detail: string };

/** One `GET /v2/`: 200 or 401 means up. Connection refused/reset means not yet; any other error (TLS) is fatal. */
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
    req.once('timeout', () => req.destroy(new Error('timed out')));
    req.once('error', (e: NodeJS.ErrnoException) => {
      const transient =
        ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(e.code ?? '') || e.message === 'timed out';
      done({ ready: false, fatal: !transient, detail: `GET ${url}/v2/: ${e.code ? `${e.code}: ` : ''}${e.message}` });
    });
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a registry and waits until it answers; rejects with the tail of its log if it does not within the timeout. */
export async function startLocalRegistry(options: LocalRegistryOptions): Promise<LocalRegistry> {
  const pick = !options.port;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, pick ? await pickFreePort(options.host ?? '127.0.0.1') : options.port!);
    } catch (error) {
      // A picked port taken by someone else between pick and bind: pick another.
      if (!pick || attempt >= 3 || !/address already in use/.test((error as Error).message)) throw error;
    }
  }
}

async function startOnce(options: LocalRegistryOptions, port: number): Promise<LocalRegistry> {
  const dir = resolve(options.dir);
  const bindHost = options.host ?? '127.0.0.1';
  const host = `${bindHost.includes(':') ? `[${bindHost}]` : bindHost}:${port}`;
  const url = `${options.tls ? 'https' : 'http'}://${host}`;
  const dataDir = join(dir, 'data');
  const configFile = join(dir, 'config.yml');
  const logFile = resolve(options.logFile ?? join(dir, 'registry.log'));
  const accessLogFile = resolve(options.accessLogFile ?? join(dir, 'access.log'));
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(
    configFile,
    registryConfigYaml({
      dataDir,
      addr: host,
      ...(options.htpasswdFile && { htpasswdFile: resolve(options.htpasswdFile) }),
      ...(options.tls && { tls: { certFile: resolve(options.tls.certFile), keyFile: resolve(options.tls.keyFile) } }),
    }),
  );
  const ca = options.tls ? readFileSync(options.tls.caFile ?? options.tls.certFile) : undefined;

  // REGISTRY_* variables override the config file: the child must not inherit any (nor the server's secrets).
  const env = Object.fromEntries(Object.entries(inheritedEnv()).filter(([k]) => !k.startsWith('REGISTRY_')));
  const logFrom = sizeOf(logFile);
  const accessFrom = sizeOf(accessLogFile);
  const outFd = openSync(accessLogFile, 'a');
  const errFd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    // setpriv --pdeathsig: the registry ends with the process that started it, even after a kill -9 of it.
    child = spawn('setpriv', ['--pdeathsig', 'TERM', '--', 'docker-registry', 'serve', configFile], {
      cwd: dir,
      env,
      stdio: ['ignore', outFd, errFd],
    });
  } finally {
    closeSync(outFd);
    closeSync(errFd);
  }
  // Set by the 'exit' listener (a closure, which TypeScript's narrowing does not see): hence the explicit type.
  let exited = null as { code: number | null; signal: NodeJS.Signals | null } | null;
  const exitPromise = new Promise<void>((done) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      live.delete(child);
      done();
    });
  });
  const spawnError = new Promise<Error>((done) => child.once('error', done));
  const startFailed = (what: string) => {
    const log = tail(logFile, logFrom);
    return new Error(
      `docker-registry on ${host} ${what}${log ? `; its log (${logFile}) ends with:\n${log}` : ` (nothing in ${logFile})`}`,
    );
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  let last = 'no answer yet';
  let spawnFailure: Error | null = null;
  void spawnError.then((e) => (spawnFailure = e));
  for (;;) {
    await sleep(50);
    if (spawnFailure) {
      const e = spawnFailure as NodeJS.ErrnoException;
      throw new Error(
        e.code === 'ENOENT'
          ? '"docker-registry" is not installed (not found on PATH).'
          : `cannot start docker-registry: ${e.message}`,
        { cause: e },
      );
    }
    if (exited) {
      const { code, signal } = exited;
      throw startFailed(`exited during startup (${signal ?? `code ${code}`})`);
    }
    // Only our own child counts: another server on the same port would answer the probe too.
    const bound = tail(logFile, logFrom, Infinity).includes(`listening on ${host}`);
    const p: Probe = bound ? await probe(url, ca) : { ready: false, fatal: false, detail: 'not listening yet' };
    if (p.ready) break;
    last = p.detail;
    if (p.fatal || Date.now() > deadline) {
      child.kill('SIGKILL');
      await exitPromise;
      throw startFailed(
        p.fatal
          ? `is not usable: ${last}`
          : `did not answer within ${options.startTimeoutMs ?? 10_000} ms (last: ${last})`,
      );
    }
  }
  track(child);

  const pid = child.pid!;
  const readAccess = async () => parseAccessLog((await readFile(accessLogFile)).subarray(accessFrom).toString('utf8'));
  let stopping: Promise<void> | null = null;
  return {
    host,
    url,
    pid,
    dir,
    configFile,
    logFile,
    accessLogFile,
    accessLog: readAccess,
    countBlobUploads: async () => countBlobUploads(await readAccess()),
    stop() {
      stopping ??= (async () => {
        if (exited) return;
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
        const timer = setTimeout(() => {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }, 5_000);
        await exitPromise;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}
