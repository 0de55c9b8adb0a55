/** One server-sent event as it reached the client, with the moment it did (Date.now()). */
export interface TimedEvent {
  event: string;
  id?: string;
  data: string;
  at: number;
}

/**
 * Follows a server-sent event stream over fetch and timestamps every event on arrival (for latency assertions).
 * `events` fills as they come; `ended` resolves when the server closes the stream.
 */
export async function followEvents(
  url: string,
  token: string,
): Promise<{ events: TimedEvent[]; ended: Promise<void> }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200 || !res.body) throw new Error(`stream answered ${res.status}: ${await res.text()}`);
  const events: TimedEvent[] = [];
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const ended = (async () => {
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const at = Date.now();
      buffer += value;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = new Map<string, string>();
        for (const line of block.split('\n')) {
          const colon = line.indexOf(':');
          if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).replace(/^ /, ''));
        }
        if (!fields.has('data')) continue; // a comment (keep-alive) or a bare retry
        events.push({ event: fields.get('event') ?? 'message', id: fields.get('id'), data: fields.get('data')!, at });
      }
    }
  })();
  return { events, ended };
}
