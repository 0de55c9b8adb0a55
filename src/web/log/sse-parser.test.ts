import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSseParser, type SseEvent } from './sse-parser.js';

const STREAM =
  'id: 0\ndata: "checkout"\n\n: keep-alive\n\nid: 1\ndata: "[linux/arm64] STEP 1/2: FROM x"\n\n' +
  'retry: 1000\nevent: reconnect\ndata: {"offset":2}\n\nevent: end\r\ndata: {"status":"FAILED"}\r\n\r\n';

const EXPECTED: SseEvent[] = [
  { type: 'message', data: '"checkout"', lastEventId: '0' },
  { type: 'message', data: '"[linux/arm64] STEP 1/2: FROM x"', lastEventId: '1' },
  { type: 'reconnect', data: '{"offset":2}', lastEventId: '1' },
  { type: 'end', data: '{"status":"FAILED"}', lastEventId: '1' },
];

describe('the event-stream parser', () => {
  it('reads the log stream format: ids, named events, comments, retry, CRLF', () => {
    const events: SseEvent[] = [];
    const parser = createSseParser((e) => events.push(e));
    parser.push(STREAM);
    expect(events).toEqual(EXPECTED);
    expect(parser.retryMs).toBe(1000);
    expect(parser.lastEventId).toBe('1');
  });

  it('gives the same events however the stream is cut into chunks (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: STREAM.length - 1 }), { maxLength: 20 }), (cuts) => {
        const events: SseEvent[] = [];
        const parser = createSseParser((e) => events.push(e));
        let at = 0;
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          parser.push(STREAM.slice(at, cut));
          at = cut;
        }
        parser.push(STREAM.slice(at));
        expect(events).toEqual(EXPECTED);
      }),
    );
  });
});
