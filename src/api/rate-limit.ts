export interface RateState {
  limit: number;
  remaining: number;
  /** Unix seconds when the window resets. */
  reset: number;
  exceeded: boolean;
}

/**
 * Fixed-window request counter per key (token or client address), in memory. In the scaled mode each replica
 * counts on its own, so the effective limit is replicas x limit; a shared counter is future work.
 */
export function createRateLimiter(opts: { max: number; windowSeconds: number; now?: () => number }) {
  const now = opts.now ?? (() => Date.now());
  const windows = new Map<string, { start: number; count: number }>();
  let currentWindow = 0;

  return {
    /** Counts one request and returns the state for the headers; `exceeded` past the limit. */
    hit(key: string): RateState {
      const windowMs = opts.windowSeconds * 1000;
      const start = Math.floor(now() / windowMs) * windowMs;
      if (start !== currentWindow) {
        windows.clear(); // fixed windows: every counter expires together, so the map never grows past one window
        currentWindow = start;
      }
      const entry = windows.get(key) ?? { start, count: 0 };
      entry.count += 1;
      windows.set(key, entry);
      return {
        limit: opts.max,
        remaining: Math.max(0, opts.max - entry.count),
        reset: Math.floor((start + windowMs) / 1000),
        exceeded: entry.count > opts.max,
      };
    },
  };
}
export type RateLimiter = ReturnType<typeof createRateLimiter>;
