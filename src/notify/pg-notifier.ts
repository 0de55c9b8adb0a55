import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Notifier } from '../app/ports/notifier.js';
import { createMemoryNotifier } from './memory.js';

/**
 * The scaled-mode Notifier: PostgreSQL LISTEN/NOTIFY between replicas, an in-memory fan-out inside each one.
 *
 * Lifecycle: one per process, created by the composition root and closed at shutdown; `ready` resolves once the
 * listening connection first hears the channel, and `close()` ends both connections and stops reconnecting.
 * Concurrency: any number of publishers and waiters; each publish wakes this process's waiters at once and is
 * sent to the others as one NOTIFY (bursts of one topic within a tick are sent once). Failure: delivery is best
 * effort and never throws; a lost listening connection is retried with backoff (100 ms doubling to 5 s), every
 * topic with waiters is woken once it listens again (anything may have been missed), failures go to `onError`.
 *
 * Trade-offs:
 * - One channel (`archway`) for every topic. A channel per topic would need a LISTEN/UNLISTEN round trip each
 *   time a log stream or long-poll comes and goes, and PostgreSQL matches channels per backend anyway; one
 *   LISTEN per process is set up once and re-issued once after a reconnect. The cost is that every replica hears
 *   every topic and drops those it has no waiters for (an EventEmitter emit with no listeners).
 * - The payload is the topic only (`<processId>|log:42`), never data. Notifications are lost whenever the
 *   listening connection is down and are limited to 8000 bytes, so the store stays the only source of truth:
 *   a woken waiter re-reads it. The process id prefix lets a replica skip the echo of its own publishes, which
 *   it has already delivered locally (subscribers are called once per publish, as with the memory notifier).
 * - Polling stays in the callers (the claim loop's re-check, the log stream's keep-alive) as the safety net:
 *   NOTIFY is not durable, a reconnect window or a refused send loses wake-ups, and the synthetic wake after a
 *   reconnect covers only the waiters of this process.
 */
export interface PgNotifierOptions {
  connectionString: string;
  /** The LISTEN/NOTIFY channel (default `archway`); every replica of one installation must use the same one. */
  channel?: string;
  /** Connection losses, refused topics and failed sends (never thrown to publishers). Default: ignored. */
  onError?: (error: Error) => void;
  /**
   * Names the two connections in `pg_stat_activity` (`<name>-listen`, `<name>-notify`; default `archway`). An
   * `application_name` in the connection string takes precedence (pg's rule), then both carry that name.
   */
  applicationName?: string;
  /**
   * How often the listening connection is asked `SELECT 1` (default 10 s); no answer within PROBE_TIMEOUT_MS
   * counts as a lost connection. A half-open connection (a peer that vanished without a FIN: a failover, a
   * dropped NAT entry, a frozen server) raises no error and delivers nothing; TCP keep-alive notices it only
   * after the kernel's probes (over 11 minutes with Linux's defaults), the probe within one interval.
   */
  probeMs?: number;
  /** How long a probe may wait for its answer (default 5 s). */
  probeTimeoutMs?: number;
}

export interface PgNotifier {
  notifier: Notifier;
  /** Resolves when the channel is first listened to; rejects if `close()` comes first. */
  ready: Promise<void>;
  /** Whether the listening connection is up and listening (false while reconnecting and after `close()`). */
  listening(): boolean;
  close(): Promise<void>;
}

/** PostgreSQL refuses a payload of 8000 bytes or more ("payload string too long", the default build's limit). */
export const MAX_PAYLOAD_BYTES = 7999;
const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 5_000;
const CONNECT_TIMEOUT_MS = 5_000;
/** TCP keep-alive on both connections, so a half-open one is noticed (after the kernel's probes) rather than never. */
const KEEPALIVE_DELAY_MS = 10_000;
const PROBE_EVERY_MS = 10_000;
const PROBE_TIMEOUT_MS = 5_000;
const SEND_SQL = 'SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload';

const toError = (e: unknown, context: string): Error =>
  e instanceof Error
    ? Object.assign(new Error(`${context}: ${e.message}`), { cause: e })
    : new Error(`${context}: ${String(e)}`);

/** Channels are identifiers: at most 63 bytes (NAMEDATALEN), quoted so LISTEN and pg_notify agree on case. */
function quoteChannel(channel: string): string {
  if (channel.length === 0 || Buffer.byteLength(channel) > 63 || channel.includes('\0'))
    throw new Error(`invalid notification channel ${JSON.stringify(channel)}: 1 to 63 bytes, no NUL`);
  return `"${channel.replaceAll('"', '""')}"`;
}

export function createPgNotifier(opts: PgNotifierOptions): PgNotifier {
  const channel = opts.channel ?? 'archway';
  const listenSql = `LISTEN ${quoteChannel(channel)}`;
  const appName = opts.applicationName ?? 'archway';
  const processId = randomBytes(8).toString('hex'); // per instance: two notifiers in one process are two peers
  const prefix = `${processId}|`;
  const report = (error: Error) => {
    try {
      opts.onError?.(error);
    } catch {
      // an error handler that throws must not break a publish or the connection's event handling
    }
  };

  const local = createMemoryNotifier();
  /** Topics with waiters or subscribers here, with how many: the ones a reconnect wakes. */
  const active = new Map<string, number>();
  const hold = (topic: string) => void active.set(topic, (active.get(topic) ?? 0) + 1);
  const release = (topic: string) => {
    const left = (active.get(topic) ?? 1) - 1;
    if (left > 0) active.set(topic, left);
    else active.delete(topic);
  };
  const deliver = (topic: string) => {
    try {
      local.publish(topic);
    } catch (e) {
      report(toError(e, `a listener of ${JSON.stringify(topic)} threw`));
    }
  };

  let closed = false;

  // --- the listening connection ---------------------------------------------------------------------------------
  let isListening = false;
  let current: pg.Client | undefined;
  let backoff = BACKOFF_FIRST_MS;
  let retryTimer: NodeJS.Timeout | undefined;
  let probe: NodeJS.Timeout | undefined; // of the current listening connection
  let resolveReady!: () => void;
  let rejectReady!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => {}); // nobody has to await it: a close before listening must not be an unhandled rejection

  const onNotification = (message: pg.Notification) => {
    if (message.channel !== channel) return;
    const payload = message.payload ?? '';
    if (payload.startsWith(prefix)) return; // our own publish, delivered locally already
    // `<processId>|<topic>`; a payload without `|` is a bare topic (`NOTIFY archway, 'jobs'` from psql works).
    const bar = payload.indexOf('|');
    deliver(bar < 0 ? payload : payload.slice(bar + 1));
  };

  function listen(): void {
    retryTimer = undefined;
    const client = new pg.Client({
      connectionString: opts.connectionString,
      application_name: `${appName}-listen`,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
      query_timeout: opts.probeTimeoutMs ?? PROBE_TIMEOUT_MS,
    });
    current = client;
    let lost = false;
    const onLost = (error: Error) => {
      if (lost) return;
      lost = true;
      clearInterval(probe);
      if (current === client) current = undefined;
      isListening = false;
      client.off('notification', onNotification);
      client.end().catch(() => {}); // the socket may still be open (LISTEN failed, or an error before 'end')
      if (closed) return;
      report(error);
      retryTimer = setTimeout(listen, backoff);
      retryTimer.unref(); // a notifier alone does not keep the process alive
      backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    };
    // The 'error' listener stays for good: an error event without one would crash the process.
    client.on('error', (e) => onLost(toError(e, 'notification listener connection failed')));
    client.on('end', () => onLost(new Error('notification listener connection ended')));
    client.on('notification', onNotification);
    client
      .connect()
      .then(() => client.query(listenSql))
      .then(
        () => {
          if (lost || closed) return;
          isListening = true;
          backoff = BACKOFF_FIRST_MS;
          resolveReady();
          probe = setInterval(() => {
            client.query('SELECT 1').catch((e: unknown) => onLost(toError(e, 'notification listener did not answer')));
          }, opts.probeMs ?? PROBE_EVERY_MS);
          probe.unref();
          // Whatever was published while nobody listened is lost: wake every waiter here to re-check the store.
          // (On the first connect this wakes the waiters that came before it, for the same reason.)
          for (const topic of [...active.keys()]) deliver(topic);
        },
        (e: unknown) => onLost(toError(e, 'could not listen for notifications')),
      );
  }

  // --- sending --------------------------------------------------------------------------------------------------
  // One connection (a pool of 1, reconnected on demand), one statement in flight; topics published meanwhile
  // gather in `pending` (a set: one NOTIFY per topic however often it was published) and go in the next one.
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    application_name: `${appName}-notify`,
    max: 1,
    idleTimeoutMillis: 0, // keep the connection: a publish should not pay a connect
    allowExitOnIdle: true,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
  });
  pool.on('error', (e) => report(toError(e, 'notification sender connection failed'))); // the pool drops it
  const pending = new Set<string>();
  let flushTimer: NodeJS.Immediate | undefined;
  let inFlight: Promise<void> | undefined;

  const send = (): Promise<void> => {
    const payloads = [...pending];
    pending.clear();
    return pool.query(SEND_SQL, [channel, payloads]).then(
      () => undefined,
      (e: unknown) => report(toError(e, `could not send ${payloads.length} notification(s)`)),
    );
  };
  const schedule = () => {
    if (flushTimer || inFlight || closed) return;
    flushTimer = setImmediate(() => {
      flushTimer = undefined;
      if (pending.size === 0) return;
      inFlight = send().finally(() => {
        inFlight = undefined;
        if (pending.size > 0) schedule();
      });
    });
  };

  const notifier: Notifier = {
    publish(topic) {
      if (!closed) {
        const payload = prefix + topic;
        const bytes = Buffer.byteLength(payload);
        // Truncating would wake the wrong topic; refusing leaves the other replicas to their polling.
        if (bytes > MAX_PAYLOAD_BYTES)
          report(
            new Error(`topic not sent to other replicas: ${bytes} bytes with its prefix, at most ${MAX_PAYLOAD_BYTES}`),
          );
        else if (topic.includes('\0')) report(new Error('topic not sent to other replicas: it contains NUL'));
        else {
          pending.add(payload);
          schedule();
        }
      }
      deliver(topic);
    },
    wait(topic, ms, signal) {
      hold(topic);
      return local.wait(topic, ms, signal).finally(() => release(topic));
    },
    subscribe(topic, listener) {
      hold(topic);
      const off = local.subscribe(topic, listener);
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        off();
        release(topic);
      };
    },
  };

  listen();

  return {
    notifier,
    ready,
    listening: () => isListening,
    async close() {
      if (closed) return;
      closed = true;
      isListening = false;
      rejectReady(new Error('the notifier was closed before it listened'));
      clearTimeout(retryTimer);
      if (flushTimer) clearImmediate(flushTimer);
      flushTimer = undefined;
      const client = current;
      current = undefined;
      clearInterval(probe);
      await Promise.all([
        client?.end().catch(() => {}),
        (async () => {
          await inFlight;
          if (pending.size > 0) await send(); // what was published before close still goes out
          await pool.end().catch(() => {});
        })(),
      ]);
    },
  };
}
