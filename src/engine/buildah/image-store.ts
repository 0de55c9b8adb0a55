import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runChild } from '../../process/child.js';
import { rmAllContainersArgv, type StoreDirs } from './argv.js';

/**
 * Where a build's layers live: one store per platform. Sharing one store between the platform units gives
 * wrong results in buildah 1.28: the `--layers` lookup ignores the platform (an arm64 build of
 * `FROM scratch / ARG TARGETARCH / COPY` took the amd64 steps from the cache and produced an image whose config
 * says amd64), and concurrent pulls of one base tag race (`locating pulled image ... image not known`, 1 in 4
 * runs). Without cache each build has private stores, deleted after it. With cache (MIN/MAX) the stores of a
 * cache key (the pipeline's `cache_scope`) persist: a warm 4-platform rebuild measured 3.1-4.1 s vs 16.3-17.8 s
 * cold (engine-notes section 5). Builds sharing a key share its stores (containers/storage locks them).
 */
export interface ImageStore extends StoreDirs {
  persistent: boolean;
  dir: string;
}

export function platformSlug(platform: string): string {
  return platform.replaceAll('/', '-');
}

export function cacheDir(engineDir: string, key: string): string {
  return join(engineDir, 'cache', createHash('sha256').update(key).digest('hex').slice(0, 24));
}

/** A store at `dir` (created when missing). */
export async function openImageStore(dir: string, persistent: boolean): Promise<ImageStore> {
  await mkdir(join(dir, 'root'), { recursive: true, mode: 0o700 });
  await mkdir(join(dir, 'run'), { recursive: true, mode: 0o700 });
  return { dir, root: join(dir, 'root'), runroot: join(dir, 'run'), persistent };
}

/** The store a platform unit builds in: the cache key's for that platform, or one of the build's own. */
export function platformImageStoreDir(
  engineDir: string,
  buildDir: string,
  cacheKey: string | null,
  platform: string,
): string {
  return cacheKey === null
    ? join(buildDir, 'stores', platformSlug(platform))
    : join(cacheDir(engineDir, cacheKey), platformSlug(platform));
}

/** Removes every store of a cache key (`clear_cache`). */
export async function clearCache(engineDir: string, key: string): Promise<void> {
  const dir = cacheDir(engineDir, key);
  for (const slug of await readdir(dir).catch(() => [] as string[])) await removeImageStore(join(dir, slug));
  await rm(dir, { recursive: true, force: true });
}

/** Mount points at or below `dir`, deepest first (from /proc/self/mountinfo; `\040` etc. are octal escapes). */
export async function mountsUnder(dir: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const points = text
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter(Boolean)
    .map((p) => p.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p === dir || p.startsWith(dir + '/'));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

async function unmountAll(dir: string): Promise<void> {
  for (const point of await mountsUnder(dir)) await runChild(['umount', '--lazy', point]).catch(() => undefined);
}

/** Removes a store: its working containers, every mount below it (the overlay driver keeps one), the files. */
export async function removeImageStore(dir: string): Promise<void> {
  await runChild(rmAllContainersArgv({ root: join(dir, 'root'), runroot: join(dir, 'run') })).catch(() => undefined);
  await unmountAll(dir);
  await rm(dir, { recursive: true, force: true });
}

/** After a build in a persistent store: drop working containers and release mounts; keep the layers. */
export async function releaseImageStore(store: ImageStore): Promise<void> {
  await runChild(rmAllContainersArgv(store)).catch(() => undefined);
  await unmountAll(store.dir);
}

/**
 * Kills processes chrooted below `dir`: RUN steps of a build whose buildah died with its agent (kill -9) run on
 * as orphans (chroot isolation has no PID namespace) and keep their overlay mounts busy.
 */
export async function killProcessesRootedIn(dir: string): Promise<number> {
  let killed = 0;
  for (const pid of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue;
    const root = await readlink(`/proc/${pid}/root`).catch(() => '');
    if (root === dir || root.startsWith(dir + '/')) {
      try {
        process.kill(Number(pid), 'SIGKILL');
        killed++;
      } catch {
        /* gone already */
      }
    }
  }
  return killed;
}
