export interface RateState {
  limit: number;
  remaining: number;
  /** Unix seconds when the window resets. */
  reset: number;
  exceeded: boolean;
}

/** Keys counted in one window at most; past it every new key shares one counter (see `hit`). */
const DEFAULT_MAX_KEYS = 100_000;
const OVERFLOW = '\0overflow';

/**
 * Fixed-window counter per key (a token id, an agent id, a client address), in memory. Memory is bounded: the map
 * is emptied at each window and holds at most `maxKeys` keys (100,000 ≈ 10 MB); past that, new keys in the window
 * count together in one shared bucket, so spraying addresses or tokens throttles the sprayer as a whole instead of
 * growing the map. In the scaled mode each replica counts on its own, so the effective limit is replicas x limit.
 */
export function createRateLimiter(opts: { max: number; windowSeconds: number; maxKeys?: number; now?: () => number }) {
  const now = opts.now ?? (() => Date.now());
  const maxKeys = opts.maxKeys ?? DEFAULT_MAX_KEYS;
  const windows = new Map<string, number>();
  let currentWindow = 0;

  function windowStart(): number {
    const windowMs = opts.windowSeconds * 1000;
    const start = Math.floor(now() / windowMs) * windowMs;
    if (start !== currentWindow) {
      windows.clear(); // fixed windows: every counter expires together
      currentWindow = start;
    }
    return start;
  }

  function state(count: number, start: number): RateState {
    return {
      limit: opts.max,
      remaining: Math.max(0, opts.max - count),
      reset: Math.floor((start + opts.windowSeconds * 1000) / 1000),
      exceeded: count > opts.max,
    };
  }

  const slot = (key: string) => (windows.has(key) || windows.size < maxKeys ? key : OVERFLOW);

  return {
    /** Counts one event and returns the state for the headers; `exceeded` past the limit. */
    hit(key: string): RateState {
      const start = windowStart();
      const k = slot(key);
      const count = (windows.get(k) ?? 0) + 1;
      windows.set(k, count);
      return state(count, start);
    },
    /** The state without counting: `exceeded` once the key has used up its window. */
    peek(key: string): RateState {
      const start = windowStart();
      const count = windows.get(slot(key)) ?? 0;
      return state(count + 1, start);
    },
    /** Keys held now (for tests of the bound). */
    size: () => windows.size,
  };
}
export type RateLimiter = ReturnType<typeof createRateLimiter>;
