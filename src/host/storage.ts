import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runChild, type ChildRunner } from '../process/child.js';
import { errorText, failed, lastLine, passed, warned, type HostCheck } from './host-check.js';

const GIB = 1024 ** 3;
export const MIN_FREE_BYTES = 2 * GIB;
export const WARN_FREE_BYTES = 10 * GIB;

/** statfs f_type magic numbers of the filesystems worth naming. */
const FS_TYPES: Record<number, string> = {
  0xef53: 'ext4',
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0x01021994: 'tmpfs',
  0x794c7630: 'overlayfs',
  0x6969: 'nfs',
  0x2fc12fc1: 'zfs',
  0x65735546: 'fuse',
  0xf15f: 'ecryptfs',
};

/** The name of a statfs f_type, or its hex value. Never throws. */
export function fsTypeName(type: number): string {
  return FS_TYPES[type] ?? `0x${type.toString(16)}`;
}

/** The nearest existing directory at or above `dir`. Never throws. */
export function nearestExisting(dir: string): string {
  let current = dir;
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

/**
 * Creates the storage dir when missing (the engine would), then writes and removes a file in it. Not ok, with a
 * command that fixes it, when either fails. Never throws.
 */
export async function checkStorageWritable(dir: string): Promise<HostCheck> {
  const created = !existsSync(dir);
  try {
    await mkdir(dir, { recursive: true });
    const probe = await mkdtemp(join(dir, '.doctor-write-'));
    await writeFile(join(probe, 'probe'), 'ok');
    await rm(probe, { recursive: true, force: true });
    return passed('storage writable', `${dir}${created ? ' (created)' : ''}`);
  } catch (error) {
    return failed('storage writable', `${dir}: ${errorText(error)}`, `mkdir -p ${dir} && chmod u+rwx ${dir}`);
  }
}

/** The outcome of an overlay mount at `cwd`: lower, upper, work and merged are relative, so no path needs escaping. */
async function mountOverlay(cwd: string, run: ChildRunner): Promise<{ mounted: boolean; error?: string }> {
  const argv = ['mount', '-t', 'overlay', 'overlay', '-o', 'lowerdir=lower,upperdir=upper,workdir=work', 'merged'];
  try {
    const result = await run(argv, { cwd, signal: AbortSignal.timeout(10_000) });
    return result.code === 0
      ? { mounted: true }
      : { mounted: false, error: lastLine(result.stderr) || `mount exited ${result.code}` };
  } catch (error) {
    return { mounted: false, error: errorText(error) };
  }
}

/** Reads through the overlay and writes a file that must land in the upper dir; returns what went wrong, or null. */
async function exerciseOverlay(probe: string): Promise<string | null> {
  if ((await readFile(join(probe, 'merged', 'from-lower'), 'utf8')) !== 'lower') return 'lower file not visible';
  await writeFile(join(probe, 'merged', 'from-merged'), 'merged');
  return null;
}

function overlayFix(error: string): string {
  return /unknown filesystem type/i.test(error)
    ? 'modprobe overlay'
    : 'ARCHWAY_DATA_DIR=/var/lib/archway archway doctor  # a data dir on ext4 or xfs';
}

/**
 * Mounts a tiny overlay (`mount -t overlay`) in a temp dir inside `dir` — the storage driver buildah uses there —
 * writes through it, unmounts, and checks the write reached the upper dir. Needs root. Not ok, with a fix,
 * when the mount or the round trip fails (e.g. `dir` on overlayfs or an fs without d_type). Never throws; always
 * unmounts and removes its temp dir.
 */
export async function checkOverlay(dir: string, run: ChildRunner = runChild): Promise<HostCheck> {
  const name = 'storage overlay';
  let probe: string | undefined;
  let mounted = false;
  try {
    const fsType = fsTypeName(Number((await statfs(dir)).type));
    probe = await mkdtemp(join(dir, '.doctor-overlay-'));
    for (const sub of ['lower', 'upper', 'work', 'merged']) await mkdir(join(probe, sub));
    await writeFile(join(probe, 'lower', 'from-lower'), 'lower');
    const mount = await mountOverlay(probe, run);
    if (!mount.mounted)
      return failed(name, `overlay mount on ${fsType} failed: ${mount.error}`, overlayFix(mount.error ?? ''));
    mounted = true;
    const problem = await exerciseOverlay(probe);
    const umount = await run(['umount', join(probe, 'merged')], { signal: AbortSignal.timeout(10_000) });
    mounted = umount.code !== 0;
    if (problem) return failed(name, `overlay on ${fsType} misbehaves: ${problem}`, overlayFix(''));
    if (mounted) return failed(name, `cannot unmount the test overlay: ${lastLine(umount.stderr)}`);
    if (!existsSync(join(probe, 'upper', 'from-merged')))
      return failed(name, `overlay on ${fsType}: write did not reach the upper dir`, overlayFix(''));
    return passed(name, `overlay mounts on ${fsType}`);
  } catch (error) {
    return failed(name, `overlay test in ${dir}: ${errorText(error)}`, overlayFix(errorText(error)));
  } finally {
    if (probe && mounted) await run(['umount', '-l', join(probe, 'merged')]).catch(() => undefined);
    if (probe) await rm(probe, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Fails under 2 GiB available, warns under 10 GiB. Pure, never throws. */
export function freeSpaceCheck(availableBytes: number, dir: string): HostCheck {
  const gib = (availableBytes / GIB).toFixed(1);
  const detail = `${gib} GiB available at ${dir}`;
  if (availableBytes < MIN_FREE_BYTES)
    return failed('disk free', `${detail} (need >= 2 GiB; free space or move ARCHWAY_DATA_DIR)`);
  if (availableBytes < WARN_FREE_BYTES)
    return warned('disk free', `${detail} (below 10 GiB: builds of real images may run out)`);
  return passed('disk free', detail);
}

/** Free space for an unprivileged writer (f_bavail) at `dir`, or at its nearest existing parent. Never throws. */
export async function checkFreeDisk(dir: string): Promise<HostCheck> {
  const at = nearestExisting(dir);
  try {
    const stats = await statfs(at);
    return freeSpaceCheck(Number(stats.bavail) * Number(stats.bsize), at);
  } catch (error) {
    return failed('disk free', `statfs ${at}: ${errorText(error)}`);
  }
}
