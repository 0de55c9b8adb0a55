import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Platform } from '../../domain/platform.js';

/** A build that was pushed and verified, by its fingerprint (see build-fingerprint.ts). */
export interface RememberedBuild {
  fingerprint: string;
  registry: string;
  repository: string;
  indexDigest: string;
  platforms: Array<{ platform: Platform; emulated: boolean; totalSteps: number }>;
  /** The registry holds its MAX build record (absent in entries written before this field, and under MIN). */
  recorded?: boolean;
  /** For one platform of a fanned-out build: `indexDigest` is then that image's manifest, and this the rest of it. */
  image?: { mediaType: string; manifestSize: number; sizeBytes: number | null };
}

/** Per cache key: enough for a few branches and tags built alternately; the oldest is forgotten first. */
const KEEP = 32;

/**
 * The builds of each cache key, remembered on the agent next to its layer cache (`<engine>/fingerprints/`):
 * one small JSON file per key, replaced whole (write, then rename), so a reader never sees half of it. Two
 * builds of one key finishing together may drop one record: the next build of it then goes through the layer
 * cache, nothing worse. `clear_cache` forgets the key with its stores.
 */
export function createBuildMemo(engineDir: string) {
  const dir = join(engineDir, 'fingerprints');
  const fileOf = (key: string) => join(dir, `${createHash('sha256').update(key).digest('hex').slice(0, 24)}.json`);
  const read = async (key: string): Promise<RememberedBuild[]> => {
    try {
      const parsed = JSON.parse(await readFile(fileOf(key), 'utf8')) as unknown;
      return Array.isArray(parsed) ? (parsed as RememberedBuild[]) : [];
    } catch {
      return []; // none yet, or unreadable: the build goes through the layer cache
    }
  };
  return {
    async recall(
      key: string,
      fingerprint: string,
      registry: string,
      repository: string,
    ): Promise<RememberedBuild | undefined> {
      return (await read(key)).find(
        (b) => b.fingerprint === fingerprint && b.registry === registry && b.repository === repository,
      );
    },
    async remember(key: string, build: RememberedBuild): Promise<void> {
      const others = (await read(key)).filter(
        (b) =>
          !(b.fingerprint === build.fingerprint && b.registry === build.registry && b.repository === build.repository),
      );
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const file = fileOf(key);
      const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(temp, JSON.stringify([build, ...others].slice(0, KEEP)), { mode: 0o600 });
      await rename(temp, file);
    },
    async forget(key: string): Promise<void> {
      await rm(fileOf(key), { force: true });
    },
  };
}
export type BuildMemo = ReturnType<typeof createBuildMemo>;
