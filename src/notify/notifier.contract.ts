import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notifier } from '../app/ports/notifier.js';

export type MakeNotifier = () => Notifier | Promise<Notifier | { notifier: Notifier; close(): Promise<void> }>;

export interface NotifierContractOptions {
  /**
   * How long a `wait` or `subscribe` may take to hear publishes (0 in memory; a LISTEN has a round trip to make).
   * The contract publishes that long after it starts waiting.
   */
  settleMs?: number;
}

const later = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The contract of the `Notifier` port (app/ports/notifier.ts), run by every notifier: memory in
 * `src/notify/memory.test.ts`, PostgreSQL (`pg-notifier.ts`, on one instance and across two) in
 * `test/notify/pg-notifier.test.ts`. Topics are unique per test, so one notifier serves the whole run.
 */
export function runNotifierContract(makeNotifier: MakeNotifier, opts: NotifierContractOptions = {}): void {
  const settle = () => later(opts.settleMs ?? 0);
  let n: Notifier;
  let close: () => Promise<void> = async () => undefined;
  let topics = 0;
  const topic = (name: string) => `contract-${name}-${process.pid}-${++topics}`;

  describe('Notifier contract', () => {
    beforeAll(async () => {
      const made = await makeNotifier();
      if ('notifier' in made) {
        n = made.notifier;
        close = () => made.close();
      } else n = made;
    });
    afterAll(() => close());

    it('publish wakes a waiter on that topic, and not one on another topic', async () => {
      const [a, b] = [topic('a'), topic('b')];
      const onA = n.wait(a, 2_000);
      const onB = n.wait(b, 300);
      await settle();
      const published = Date.now();
      n.publish(a);
      expect(await onA).toBe(true);
      expect(Date.now() - published).toBeLessThan(1_000);
      expect(await onB).toBe(false);
    });

    it('a wait nobody publishes to ends false after its time', async () => {
      const started = Date.now();
      expect(await n.wait(topic('quiet'), 300)).toBe(false);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(Date.now() - started).toBeLessThan(600 + (opts.settleMs ?? 0));
    });

    it('an aborted signal ends a wait false at once, also one aborted before the wait', async () => {
      const cancel = new AbortController();
      const started = Date.now();
      const waiting = n.wait(topic('cancelled'), 5_000, cancel.signal);
      setTimeout(() => cancel.abort(), 50);
      expect(await waiting).toBe(false);
      expect(Date.now() - started).toBeLessThan(1_000);
      const before = Date.now();
      expect(await n.wait(topic('pre-aborted'), 5_000, AbortSignal.abort())).toBe(false);
      expect(Date.now() - before).toBeLessThan(1_000);
    });

    it('a wait that was woken is not woken again by a later abort or timeout', async () => {
      const t = topic('once');
      const cancel = new AbortController();
      // Long enough to outlast the settle before the publish, short enough to have ended by the check below.
      const waiting = n.wait(t, 100 + (opts.settleMs ?? 0), cancel.signal);
      await settle();
      n.publish(t);
      expect(await waiting).toBe(true);
      cancel.abort();
      await later(150 + (opts.settleMs ?? 0));
      expect(await waiting).toBe(true);
    });

    it('wakes every waiter of a topic with one publish', async () => {
      const t = topic('many');
      const waits = Array.from({ length: 25 }, () => n.wait(t, 2_000));
      await settle();
      n.publish(t);
      expect(await Promise.all(waits)).toEqual(Array.from({ length: 25 }, () => true));
    });

    it('subscribe calls the listener on each publish of its topic until it unsubscribes', async () => {
      const [t, other] = [topic('sub'), topic('other')];
      const heard: string[] = [];
      const off = n.subscribe(t, () => heard.push('first'));
      const offSecond = n.subscribe(t, () => heard.push('second'));
      await settle();
      n.publish(t);
      n.publish(other);
      await later(50 + (opts.settleMs ?? 0));
      expect(heard.sort()).toEqual(['first', 'second']);
      n.publish(t);
      await later(50 + (opts.settleMs ?? 0));
      expect(heard).toHaveLength(4);
      off();
      await settle();
      n.publish(t);
      await later(50 + (opts.settleMs ?? 0));
      expect(heard.slice(4)).toEqual(['second']);
      offSecond();
      await settle();
      n.publish(t);
      await later(50 + (opts.settleMs ?? 0));
      expect(heard).toHaveLength(5);
    });

    it('publish with nobody listening does nothing, and never throws', () => {
      expect(() => n.publish(topic('nobody'))).not.toThrow();
    });
  });
}
