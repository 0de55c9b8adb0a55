import { createMasker, type Secret } from '../domain/secret-masking.js';
import type { AgentClient } from './http-client.js';

/**
 * Batches log lines and sends them in order with their offset, so a resend after a network error is not
 * doubled on the server. Flushes every 300 ms or 500 lines; `close` sends the rest. Every line is masked
 * (domain/secret-masking.ts) before it leaves the agent.
 */
export function createLogShipper(client: AgentClient, jobId: number, attempt: number, mask: readonly Secret[]) {
  let offset = 0;
  let pending: string[] = [];
  let sending: Promise<void> = Promise.resolve();
  const masked = createMasker(mask);

  const flush = () => {
    if (pending.length === 0) return sending;
    const batch = pending;
    pending = [];
    sending = sending
      .then(async () => {
        for (let tries = 0; ; tries++) {
          try {
            offset = await client.logs(jobId, attempt, offset, batch);
            return;
          } catch (error) {
            if (tries >= 3) throw error;
            await new Promise((r) => setTimeout(r, 500 * (tries + 1)));
          }
        }
      })
      .catch(() => undefined); // a lost batch must not fail the build; the server keeps what it got
    return sending;
  };
  const timer = setInterval(() => void flush(), 300);
  return {
    line(text: string) {
      for (const l of text.split(/\r?\n/)) pending.push(masked(l));
      if (pending.length >= 500) void flush();
    },
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
