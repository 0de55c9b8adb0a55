import { describe, expect, it } from 'vitest';
import { createDatabaseClock } from './database-clock.js';

describe('the database clock', () => {
  it("reads the database's time: the offset is measured against the midpoint of the round trip", async () => {
    let local = 1_000_000;
    // The database is 25 s ahead; the query takes 40 ms, answered at its middle.
    const store = {
      databaseTime: async () => {
        local += 20;
        const theirs = new Date(local + 25_000);
        local += 20;
        return theirs;
      },
    };
    const db = createDatabaseClock(store, { local: () => local, syncMs: 60_000 });
    await db.ready;
    db.stop();
    expect(db.offsetMs()).toBe(25_000);
    expect(db.clock.now().getTime()).toBe(local + 25_000);
  });

  it('keeps the last offset when a measurement fails, and reports it', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const store = {
      databaseTime: async () => {
        if (++calls > 1) throw new Error('connection refused');
        return new Date(Date.now() - 5_000);
      },
    };
    const db = createDatabaseClock(store, { syncMs: 10, onError: (e) => errors.push(e) });
    await db.ready;
    await new Promise((r) => setTimeout(r, 50));
    db.stop();
    expect(errors.length).toBeGreaterThan(0);
    expect(Math.abs(db.offsetMs() + 5_000)).toBeLessThan(50);
  });
});
