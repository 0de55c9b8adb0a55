/**
 * The baseline of bench/build/run.ts: the buildah commands a person types for the same 4-platform build, as
 * argv arrays run without a shell (`runChild`), each run in a fresh private store that is removed at the end
 * (inside the timing: Archway's build removes its store too).
 *
 * Two scripts:
 * - `perPlatform`: what Archway itself runs (src/engine/buildah/argv.ts) minus its checks: one `buildah build
 *   --platform P` per platform, 2 at a time (2 terminals, one per core), then `manifest create`, `manifest add` x4,
 *   `manifest push --all`. The flags a person would not type are left at their defaults (`--pull`, `--retry`,
 *   `--layers=false`), and `--tls-verify=false` replaces Archway's private registries.conf.
 * - `oneProcess`: the recipe's single command (engine-notes section 4): `buildah build --platform a,b,c,d --jobs 2
 *   --manifest L`, then `manifest push --all`.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Platform } from '../../src/domain/platform.js';
import { removeImageStore } from '../../src/engine/buildah/image-store.js';
import { runChild } from '../../src/process/child.js';

export interface HandInputs {
  contextDir: string;
  dockerfile: string;
  target: string;
  buildArgs: ReadonlyArray<readonly [string, string]>;
  secret: { id: string; file: string };
  platforms: readonly Platform[];
}

/** Commands run in two phases: `parallel` 2 at a time, then `sequential` one after another. */
export interface HandScript {
  parallel: string[][];
  sequential: string[][];
}

function store(dir: string): string[] {
  return ['buildah', '--root', join(dir, 'root'), '--runroot', join(dir, 'run'), '--storage-driver', 'overlay'];
}

function buildFlags(i: HandInputs): string[] {
  const flags = ['--isolation', 'chroot', '--tls-verify=false', '--file', i.dockerfile, '--target', i.target];
  for (const [k, v] of i.buildArgs) flags.push('--build-arg', `${k}=${v}`);
  flags.push('--secret', `id=${i.secret.id},src=${i.secret.file}`);
  return flags;
}

const list = 'localhost/hand-list';

function push(dir: string, destination: string): string[] {
  return [...store(dir), 'manifest', 'push', '--all', '--tls-verify=false', list, `docker://${destination}`];
}

export function perPlatform(dir: string, i: HandInputs, destination: string): HandScript {
  const image = (p: Platform) => `localhost/hand-${p.replaceAll('/', '-')}`;
  return {
    parallel: i.platforms.map((p) => [
      ...store(dir),
      'build',
      ...buildFlags(i),
      '--platform',
      p,
      '--tag',
      image(p),
      i.contextDir,
    ]),
    sequential: [
      [...store(dir), 'manifest', 'create', list],
      ...i.platforms.map((p) => [...store(dir), 'manifest', 'add', list, `containers-storage:${image(p)}`]),
      push(dir, destination),
    ],
  };
}

export function oneProcess(dir: string, i: HandInputs, destination: string): HandScript {
  return {
    parallel: [
      [
        ...store(dir),
        'build',
        ...buildFlags(i),
        '--platform',
        i.platforms.join(','),
        '--jobs',
        '2',
        '--manifest',
        list,
        i.contextDir,
      ],
    ],
    sequential: [push(dir, destination)],
  };
}

async function must(argv: string[], env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<void> {
  const r = await runChild(argv, { env, signal });
  if (r.aborted) throw new Error('interrupted');
  if (r.code !== 0) {
    const where = argv.slice(argv.indexOf('overlay') + 1, argv.indexOf('overlay') + 3).join(' ');
    throw new Error(
      `hand-typed \`buildah ${where}\` exited with ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`,
    );
  }
}

/**
 * Runs `script` in the fresh store `dir` (TMPDIR=dir/tmp, which must exist: engine-notes section 6), then
 * removes the store. `stores` tracks it so an interrupted run is removed by the caller's cleanup too.
 */
export async function runHandTyped(
  script: HandScript,
  dir: string,
  signal: AbortSignal,
  stores: Set<string>,
): Promise<void> {
  stores.add(dir);
  for (const sub of ['root', 'run', 'tmp']) await mkdir(join(dir, sub), { recursive: true, mode: 0o700 });
  const env = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: process.env.HOME ?? '/root',
    LANG: 'C.UTF-8',
    TMPDIR: join(dir, 'tmp'),
  };
  const queue = [...script.parallel];
  let failure = null as { error: unknown } | null;
  const worker = async () => {
    for (let argv = queue.shift(); argv && failure === null && !signal.aborted; argv = queue.shift()) {
      await must(argv, env, signal).catch((error: unknown) => void (failure ??= { error }));
    }
  };
  await Promise.all([worker(), worker()]);
  if (failure !== null) throw failure.error;
  for (const argv of script.sequential) await must(argv, env, signal);
  await removeImageStore(dir);
  stores.delete(dir);
}
