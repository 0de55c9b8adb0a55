import type { Platform } from '../../domain/platform.js';
import {
  cacheDir,
  clearCache,
  openImageStore,
  platformImageStoreDir,
  releaseImageStore,
  removeImageStore,
  type ImageStore,
} from './image-store.js';

/**
 * Which persistent stores running builds use, so that a store is released (its mounts dropped) only by the last
 * build using it, and a cache is cleared only while no build uses it. In-process: one engine per data dir.
 */
export type ImageStoreUsers = ReturnType<typeof createImageStoreUsers>;

export function createImageStoreUsers(engineDir: string) {
  const users = new Map<string, number>();
  return {
    /** Opens each platform's store; `clear` empties the key's cache first when no running build uses it. */
    async acquire(
      buildDir: string,
      key: string | null,
      clear: boolean,
      platforms: readonly Platform[],
    ): Promise<Map<Platform, ImageStore>> {
      if (key !== null && clear && ![...users.keys()].some((d) => d.startsWith(cacheDir(engineDir, key) + '/')))
        await clearCache(engineDir, key);
      const stores = new Map<Platform, ImageStore>();
      for (const p of platforms) {
        const store = await openImageStore(platformImageStoreDir(engineDir, buildDir, key, p), key !== null);
        if (store.persistent) users.set(store.dir, (users.get(store.dir) ?? 0) + 1);
        stores.set(p, store);
      }
      return stores;
    },
    /** Opens one store besides the platforms' (a persistent one counts as used until released). */
    async acquireOne(dir: string, persistent: boolean): Promise<ImageStore> {
      const store = await openImageStore(dir, persistent);
      if (persistent) users.set(store.dir, (users.get(store.dir) ?? 0) + 1);
      return store;
    },
    /**
     * Releases the stores side by side (each is a `buildah rm --all`, an unmount and maybe a delete); all of them
     * are done before it returns, and the first failure is thrown then.
     */
    async release(stores: Iterable<ImageStore>): Promise<void> {
      const results = await Promise.allSettled(
        [...stores].map(async (store) => {
          if (!store.persistent) {
            await removeImageStore(store.dir);
            return;
          }
          const left = (users.get(store.dir) ?? 1) - 1;
          if (left > 0) {
            users.set(store.dir, left);
            return;
          }
          users.delete(store.dir);
          await releaseImageStore(store);
        }),
      );
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
