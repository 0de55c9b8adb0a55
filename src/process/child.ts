import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { AppError, InternalError } from '../domain/errors.js';

/** A program could not be started at all (not installed, not executable): the message names it. */
export class ProgramStartError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PROGRAM_START_FAILED', message, options);
  }
}

export interface ChildOptions {
  cwd?: string;
  /** Full environment of the child (not merged); defaults to the parent's without the server's secrets. */
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, then stdin is closed (how secrets reach a child: never through argv). */
  input?: string;
  /** Aborting kills the child's whole process group: SIGTERM, then SIGKILL after `killGraceMs`. */
  signal?: AbortSignal;
  killGraceMs?: number;
  /** Each line of stdout / stderr as it arrives (without the newline). */
  onStdout?: (line: string) => void;
  onStderr?: (line: string) => void;
  /**
   * Kill the child (SIGKILL) when this process dies, even by `kill -9`, through util-linux's
   * `setpriv --pdeathsig`: a build of an agent that was killed must not go on to push a tag.
   */
  dieWithParent?: boolean;
}

export interface ChildResult {
  code: number;
  /** The signal that ended the child, when one did. */
  killedBy: NodeJS.Signals | null;
  /** Whether `signal` was aborted while the child ran. */
  aborted: boolean;
  stdout: string;
  stderr: string;
}

/** The server's own secrets: no child process ever inherits them (git, skopeo, buildah, the registry). */
const SERVER_SECRETS = /^(ARCHWAY_(SECRET_KEY|BOOTSTRAP_TOKEN|DATABASE_URL|AGENT_TOKEN)|TEST_DATABASE_URL)$/;

/** process.env without the server's secrets: the default environment of every child. */
export function inheritedEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !SERVER_SECRETS.test(k)));
}

/**
 * Removes the server's secrets from process.env once the configuration holds them, so that no child started by
 * a library (esbuild's service process spawns with the whole environment and takes no env option) inherits them.
 * /proc/<pid>/environ of this process still shows the environment it was started with; only children change.
 */
export function forgetServerSecrets(): void {
  for (const key of Object.keys(process.env)) if (SERVER_SECRETS.test(key)) delete process.env[key];
}

/** Output kept in ChildResult is capped; longer output is still streamed whole to the line callbacks. */
const KEEP_BYTES = 1 << 20;

function keep(buffer: string, chunk: string): string {
  const next = buffer + chunk;
  return next.length > KEEP_BYTES ? next.slice(next.length - KEEP_BYTES) : next;
}

/** `runChild`'s signature: what code that starts child processes takes, so that tests can pass a fake. */
export type ChildRunner = (argv: readonly string[], opts?: ChildOptions) => Promise<ChildResult>;

/**
 * Runs `argv[0]` with `argv.slice(1)` (never through a shell) in a process group of its own, so that a cancel
 * reaches every descendant: with buildah's chroot isolation a SIGTERM to buildah alone leaves RUN processes
 * behind (engine-notes section 6). Never rejects for a non-zero exit: callers map the code and output.
 * Rejects only when the program cannot be started (ENOENT, EACCES): a ProgramStartError naming the program.
 */
export function runChild(argv: readonly string[], opts: ChildOptions = {}): Promise<ChildResult> {
  const [file, ...args] = opts.dieWithParent ? ['setpriv', '--pdeathsig', 'KILL', '--', ...argv] : argv;
  if (!file) throw new InternalError('runChild: empty argv');
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env ?? inheritedEnv(),
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (sig: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        /* the group is gone already */
      }
    };
    const onAbort = () => {
      aborted = true;
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), opts.killGraceMs ?? 5_000);
      killTimer.unref();
    };
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (c: string) => (stdout = keep(stdout, c)));
    child.stderr.on('data', (c: string) => (stderr = keep(stderr, c)));
    const outLines = opts.onStdout ? createInterface({ input: child.stdout, crlfDelay: Infinity }) : undefined;
    const errLines = opts.onStderr ? createInterface({ input: child.stderr, crlfDelay: Infinity }) : undefined;
    if (outLines && opts.onStdout) outLines.on('line', opts.onStdout);
    if (errLines && opts.onStderr) errLines.on('line', opts.onStderr);
    const streamsDone = Promise.all([
      new Promise((r) => child.stdout.once('close', r)),
      new Promise((r) => child.stderr.once('close', r)),
    ]);

    child.stdin.on('error', () => undefined); // a child that exits without reading its input
    child.stdin.end(opts.input ?? '');

    child.once('error', (error: NodeJS.ErrnoException) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(
        new ProgramStartError(
          error.code === 'ENOENT'
            ? `"${file}" is not installed (not found on PATH).`
            : `cannot start "${file}": ${error.message}`,
          { cause: error },
        ),
      );
    });
    child.once('exit', (code, signal) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      // Leftover grandchildren (a RUN step's processes) must not outlive a cancelled build.
      if (aborted) killGroup('SIGKILL');
      // A daemonised grandchild may hold the pipes open: give the streams 2 s to drain, then stop reading.
      const drained = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, 2_000);
      void streamsDone.then(() => {
        clearTimeout(drained);
        resolve({ code: code ?? 128, killedBy: signal, aborted, stdout, stderr });
      });
    });
  });
}
