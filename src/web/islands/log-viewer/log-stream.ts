/** What the stream tells its owner. */
export interface LogStreamHandlers {
  /** The number of the next line the owner lacks (the lines it holds, 0-based). */
  nextLine(): number;
  onLine(n: number, line: string): void;
  onEnd(status: string): void;
  onState(state: 'live' | 'reconnecting'): void;
}

/** After an error that closed the EventSource for good (an HTTP error), the next try. */
const RETRY_MS = 3000;

/**
 * Follows the server's log stream (api/routes/log-stream.ts): each line is an event whose id is its line
 * number, `event: end` says the action is done. A dropped connection is resumed by the EventSource itself with
 * Last-Event-ID; lines are also guarded by number: one already held is dropped, one past a gap reopens the stream
 * at `?offset=` of the first line missing, so the owner sees every line once and in order.
 */
export function followLogStream(url: string, handlers: LogStreamHandlers): { close(): void } {
  let source: EventSource | null = null;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const stop = () => {
    source?.close();
    source = null;
    clearTimeout(retry);
  };

  const connect = () => {
    stop();
    if (closed) return;
    const at = new URL(url, location.href);
    const next = handlers.nextLine();
    if (next > 0) at.searchParams.set('offset', String(next));
    const es = new EventSource(at);
    source = es;
    es.onopen = () => handlers.onState('live');
    es.onmessage = (e: MessageEvent<string>) => {
      const n = Number(e.lastEventId);
      const line: unknown = JSON.parse(e.data);
      if (!Number.isInteger(n) || typeof line !== 'string') return;
      const expected = handlers.nextLine();
      if (n < expected) return;
      if (n > expected) return connect();
      handlers.onLine(n, line);
    };
    es.addEventListener('end', (e: MessageEvent<string>) => {
      const { status } = JSON.parse(e.data) as { status?: unknown };
      closed = true;
      stop();
      handlers.onEnd(typeof status === 'string' ? status : 'UNKNOWN');
    });
    es.onerror = () => {
      handlers.onState('reconnecting');
      // CONNECTING: the EventSource retries by itself (with Last-Event-ID); CLOSED: it gave up, so try later.
      if (es.readyState === EventSource.CLOSED) retry = setTimeout(connect, RETRY_MS);
    };
  };

  connect();
  return {
    close() {
      closed = true;
      stop();
    },
  };
}
