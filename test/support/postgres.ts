import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  chownSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.js';

const run = promisify(execFile);
const PG_ROOT = '/usr/lib/postgresql';
const SUPERUSER = 'archway';

/** A PostgreSQL server for tests: fresh databases on demand, stopped (and its files removed) by `stop`. */
export interface PostgresFixture {
  /** Where it came from: TEST_DATABASE_URL or a throw-away cluster. */
  origin: string;
  /** Creates an empty database; returns its URL and a function that drops it. */
  freshDatabase(): Promise<{ url: string; drop(): Promise<void> }>;
  stop(): Promise<void>;
}

/** The bin dir of the newest installed PostgreSQL server, or undefined when none is installed. */
export function postgresBinDir(): string | undefined {
  if (!existsSync(PG_ROOT)) return undefined;
  const versions = readdirSync(PG_ROOT).filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'initdb')));
  versions.sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(PG_ROOT, versions[0], 'bin');
}

/** TEST_DATABASE_URL when set, else a throw-away cluster when the server binaries exist, else undefined (skip). */
export async function startPostgres(): Promise<PostgresFixture | undefined> {
  const url = process.env.TEST_DATABASE_URL;
  if (url) return onServer(url, 'TEST_DATABASE_URL', async () => {});
  const bin = postgresBinDir();
  return bin === undefined ? undefined : startCluster(bin);
}

function onServer(adminUrl: string, origin: string, stop: () => Promise<void>): PostgresFixture {
  const admin = new pg.Pool({ connectionString: adminUrl, max: 1 });
  admin.on('error', () => {}); // an idle admin connection dropped at shutdown is not a test failure
  return {
    origin,
    async freshDatabase() {
      const name = `archway_test_${randomBytes(6).toString('hex')}`;
      await admin.query(`CREATE DATABASE ${name}`);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        drop: async () => void (await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
      };
    },
    async stop() {
      await admin.end();
      await stop();
    },
  };
}

/** As root the server must run as `postgres` (it refuses root); argv arrays only, never a shell string. */
function asServerUser(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

/** tmpfs when there is one: a database there is created in ~0.1 s instead of ~0.6 s on disk. */
function scratchDir(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

async function startCluster(bin: string): Promise<PostgresFixture> {
  const root = mkdtempSync(join(scratchDir(), 'archway-pg-'));
  const data = join(root, 'data');
  const socket = join(root, 'sock');
  mkdirSync(socket);
  if (process.getuid?.() === 0) {
    const { uid, gid } = await serverUser();
    for (const dir of [root, socket]) chownSync(dir, uid, gid);
  }
  const exec = (tool: string, args: string[]) => run(...asServerUser(join(bin, tool), args), { timeout: 60_000 });
  try {
    // Throw-away data: no fsync anywhere; C locale so text sorts by bytes, as in SQLite.
    await exec('initdb', [
      '-D',
      data,
      '-U',
      SUPERUSER,
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ]);
    const port = await freePort();
    const serverOpts = `-k ${socket} -h 127.0.0.1 -p ${port} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    await exec('pg_ctl', ['start', '-D', data, '-w', '-t', '30', '-l', join(root, 'server.log'), '-o', serverOpts]);
    const url = `postgresql://${SUPERUSER}@127.0.0.1:${port}/postgres`;
    return onServer(url, `throw-away cluster (${bin}, port ${port})`, () => stopCluster(data, root));
  } catch (error) {
    await stopCluster(data, root);
    throw error;
  }
}

async function serverUser(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Stops the postmaster by the PID in its pid file (immediate shutdown: the data is thrown away) and removes the cluster. */
async function stopCluster(data: string, root: string): Promise<void> {
  const pidFile = join(data, 'postmaster.pid');
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : NaN;
  if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
    process.kill(pid, 'SIGQUIT');
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(root, { recursive: true, force: true });
}
