import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import {
  countBlobUploads,
  parseAccessLog,
  sizeOf,
  writeRegistryConfig,
  type AccessLogEntry,
  type RegistryPaths,
} from './registry-files.js';
import {
  killOnExit,
  RegistryServerError,
  spawnRegistry,
  waitUntilListening,
  type RegistryChild,
} from './registry-process.js';

export { RegistryServerError, type AccessLogEntry };

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

/** A free TCP port on `host` (bound, then released: a race with other processes is possible, hence the retry below). */
export function pickFreePort(host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', (e) => reject(new RegistryServerError(e.message, { cause: e })));
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolvePort(port) : reject(new RegistryServerError(`no free port on ${host}`))));
    });
  });
}

/**
 * Starts a registry and waits until it answers; rejects with a RegistryServerError holding the tail of its log if
 * it does not within the timeout.
 */
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

/** Writes the config, spawns the child and waits until it listens on `port`. */
async function startOnce(options: LocalRegistryOptions, port: number): Promise<LocalRegistry> {
  const paths = registryPaths(options, port);
  writeRegistryConfig(paths, {
    ...(options.htpasswdFile && { htpasswdFile: resolve(options.htpasswdFile) }),
    ...(options.tls && { tls: { certFile: resolve(options.tls.certFile), keyFile: resolve(options.tls.keyFile) } }),
  });
  const ca = options.tls ? readFileSync(options.tls.caFile ?? options.tls.certFile) : undefined;
  const accessFrom = sizeOf(paths.accessLogFile);
  const child = spawnRegistry(paths);
  await waitUntilListening(child, paths, ca, options.startTimeoutMs ?? 10_000);
  killOnExit(child.process);
  return registryHandle(paths, child, accessFrom);
}

function registryPaths(options: LocalRegistryOptions, port: number): RegistryPaths {
  const dir = resolve(options.dir);
  const bindHost = options.host ?? '127.0.0.1';
  const host = `${bindHost.includes(':') ? `[${bindHost}]` : bindHost}:${port}`;
  return {
    host,
    url: `${options.tls ? 'https' : 'http'}://${host}`,
    dir,
    dataDir: join(dir, 'data'),
    configFile: join(dir, 'config.yml'),
    logFile: resolve(options.logFile ?? join(dir, 'registry.log')),
    accessLogFile: resolve(options.accessLogFile ?? join(dir, 'access.log')),
  };
}

/** The running registry: its addresses and files, its access log since `accessFrom`, and stop(). */
function registryHandle(paths: RegistryPaths, child: RegistryChild, accessFrom: number): LocalRegistry {
  const pid = child.process.pid!;
  const readAccess = async () =>
    parseAccessLog((await readFile(paths.accessLogFile)).subarray(accessFrom).toString('utf8'));
  let stopping: Promise<void> | null = null;
  return {
    host: paths.host,
    url: paths.url,
    pid,
    dir: paths.dir,
    configFile: paths.configFile,
    logFile: paths.logFile,
    accessLogFile: paths.accessLogFile,
    accessLog: readAccess,
    countBlobUploads: async () => countBlobUploads(await readAccess()),
    stop() {
      stopping ??= (async () => {
        if (child.exited()) return;
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
        await child.exit;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}
