import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ADMIN_TOKEN } from './api-harness.js';

const ROOT = join(import.meta.dirname, '../..');

export interface ProcessReply {
  status: number;
  body: any;
}

/** A child process of Archway's CLI (`archway serve`, `archway agent`) with its output in a file of its own. */
export interface CliProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves when it exits: the exit code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What it wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts `node --import tsx src/cli/main.ts <args>` in the repository with `env` over this process's. */
export function startCli(args: string[], env: Record<string, string>, logFile: string): CliProcess {
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', out, out],
    env: { ...process.env, ARCHWAY_LOG_LEVEL: 'warn', ...env },
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  return {
    child,
    pid: child.pid!,
    exited,
    output: () => readFileSync(logFile, 'utf8'),
    async stop(graceMs = 10_000) {
      if (gone) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** An `archway serve` process on 127.0.0.1:`port`, and a small JSON client for it with the admin token. */
export interface ServerProcess extends CliProcess {
  url: string;
  call(method: string, path: string, body?: unknown, token?: string): Promise<ProcessReply>;
}

/**
 * Starts `archway serve` with the test defaults (the admin token, no built-in agent or registry, local repositories
 * under `repoRoot`) and waits until /healthz answers; throws with the server's output if it exits first.
 */
export async function startServerProcess(opts: {
  port: number;
  dataDir: string;
  repoRoot: string;
  env?: Record<string, string>;
  logFile: string;
}): Promise<ServerProcess> {
  const url = `http://127.0.0.1:${opts.port}`;
  const proc = startCli(
    ['serve'],
    {
      PORT: String(opts.port),
      HOST: '127.0.0.1',
      ARCHWAY_DATA_DIR: opts.dataDir,
      ARCHWAY_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
      ARCHWAY_PUBLIC_URL: url,
      ARCHWAY_BUILTIN_AGENT: '0',
      ARCHWAY_BUILTIN_REGISTRY: '0',
      ARCHWAY_LOCAL_REPO_ROOTS: opts.repoRoot,
      ...opts.env,
    },
    opts.logFile,
  );
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void proc.exited.then((e) => (exit = e));
  for (const end = Date.now() + 60_000; ;) {
    if (exit) throw new Error(`archway serve exited (${JSON.stringify(exit)}) before it was up:\n${proc.output()}`);
    const up = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > end) {
      await proc.stop(0);
      throw new Error(`archway serve was not up within 60 s:\n${proc.output()}`);
    }
    await sleep(100);
  }
  return {
    ...proc,
    url,
    async call(method, path, body, token = ADMIN_TOKEN) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
  };
}
