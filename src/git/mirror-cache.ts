import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InternalError } from '../domain/errors.js';
import type { SafeSource } from './git-credentials.js';
import { gitOk, runGit } from './git-run.js';

/** One promise chain per mirror path, shared by every cache in this process. */
const chains = new Map<string, Promise<unknown>>();

function serialised<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = chains.get(key) ?? Promise.resolve();
  const run = previous.then(task);
  const tail = run.catch(() => undefined);
  chains.set(key, tail);
  void tail.then(() => {
    if (chains.get(key) === tail) chains.delete(key);
  });
  return run;
}

const PROJECT_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export interface MirrorCache {
  /** Runs `task` while no other task of this process uses the project's mirror; `mirror` is its path. */
  locked<T>(projectKey: string, task: (mirror: string) => Promise<T>): Promise<T>;
  /** Clones the mirror on first use, fetches (`+refs/*:refs/*`, pruned) otherwise. Call inside `locked`. */
  sync(mirror: string, source: SafeSource, timeoutMs?: number): Promise<void>;
  /** Deletes the project's mirror (the next use clones it again). */
  forget(projectKey: string): Promise<void>;
}

async function isMirror(mirror: string): Promise<boolean> {
  return (await stat(join(mirror, 'HEAD')).catch(() => null))?.isFile() ?? false;
}

/** Clones into a temporary sibling and renames it into place, so a failed clone never leaves a half mirror. */
async function cloneMirror(mirror: string, source: SafeSource, timeoutMs?: number): Promise<void> {
  const temporary = `${mirror}.tmp-${randomUUID().slice(0, 8)}`;
  try {
    await gitOk(
      { args: ['clone', '--mirror', '--quiet', '--', source.url, temporary], source, network: true, timeoutMs },
      'clone',
    );
    await rm(mirror, { recursive: true, force: true });
    await rename(temporary, mirror);
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
}

async function fetchMirror(mirror: string, source: SafeSource, timeoutMs?: number): Promise<void> {
  const gitDir = ['--git-dir', mirror];
  const current = await runGit({ args: [...gitDir, 'config', '--get', 'remote.origin.url'], source });
  if (current.stdout.trim() !== source.url) {
    await gitOk({ args: [...gitDir, 'config', 'remote.origin.url', source.url], source }, 'point the mirror at');
  }
  await gitOk(
    { args: [...gitDir, 'fetch', '--prune', '--quiet', 'origin'], source, network: true, timeoutMs },
    'fetch from',
  );
}

/**
 * The per-project bare mirrors under `mirrorsDir` (`<mirrorsDir>/<projectKey>.git`). Lifecycle: a mirror is created on
 * first use and kept until `forget`. Concurrency: tasks on one project are serialised in this process; git's own ref
 * locks guard against other processes. Failure: git errors are GitError sentences; a bad project key is an
 * InternalError.
 */
export function createMirrorCache(mirrorsDir: string): MirrorCache {
  const root = resolve(mirrorsDir);
  const pathOf = (projectKey: string): string => {
    if (!PROJECT_KEY.test(projectKey))
      throw new InternalError(`"${projectKey}" is not a usable project key for a git mirror.`);
    return join(root, `${projectKey}.git`);
  };
  return {
    locked(projectKey, task) {
      const mirror = pathOf(projectKey);
      return serialised(mirror, () => task(mirror));
    },
    async sync(mirror, source, timeoutMs) {
      await mkdir(root, { recursive: true, mode: 0o700 });
      if (await isMirror(mirror)) await fetchMirror(mirror, source, timeoutMs);
      else await cloneMirror(mirror, source, timeoutMs);
    },
    forget(projectKey) {
      const mirror = pathOf(projectKey);
      return serialised(mirror, () => rm(mirror, { recursive: true, force: true }));
    },
  };
}
