import type { Clock } from './ports/clock.js';
import type { Store } from './ports/store.js';

/** How often the offset to the database's clock is measured again. */
export const CLOCK_SYNC_MS = 10_000;
/** A sample whose round trip took longer than this says little about the offset; it is kept only when there is none. */
const USEFUL_ROUND_TRIP_MS = 1_000;

export interface DatabaseClock {
  clock: Clock;
  /** Resolves after the first measurement (the clock reads this host's time until then). */
  ready: Promise<void>;
  /** The last measured offset (database minus this host), in milliseconds. */
  offsetMs(): number;
  stop(): void;
}

/**
 * The database's time as a synchronous Clock, so every replica writes and compares job leases and `not_before`
 * on one time whatever its own clock says (skew above a lease, 30 s by default, used to fail healthy jobs).
 *
 * Trade-off: reading the database's clock at every lease write would add a round trip to each claim and
 * heartbeat; instead the offset between this host's clock and the database's is measured every CLOCK_SYNC_MS
 * (the database's reading against the midpoint of the round trip: the error is at most half the round trip,
 * under 1 ms on loopback or a LAN) and added to the local clock. Between two measurements only the drift of two
 * quartz clocks adds up (tens of ppm: under a millisecond in 10 s). A failed measurement keeps the last offset.
 */
export function createDatabaseClock(
  store: Pick<Store, 'databaseTime'>,
  opts: { syncMs?: number; onError?: (error: unknown) => void; local?: () => number } = {},
): DatabaseClock {
  const local = opts.local ?? Date.now;
  let offset = 0;
  let measured = false;
  const measure = async () => {
    try {
      const sent = local();
      const theirs = (await store.databaseTime()).getTime();
      const received = local();
      if (received - sent > USEFUL_ROUND_TRIP_MS && measured) return;
      offset = theirs - (sent + received) / 2;
      measured = true;
    } catch (error) {
      opts.onError?.(error);
    }
  };
  const ready = measure();
  const timer = setInterval(() => void measure(), opts.syncMs ?? CLOCK_SYNC_MS);
  timer.unref();
  return {
    clock: { now: () => new Date(Math.round(local() + offset)) },
    ready,
    offsetMs: () => offset,
    stop: () => clearInterval(timer),
  };
}
