import { describe, expect, it } from 'vitest';
import { cachedCredentialSource, type RegistryToken } from '../../src/push-targets/index.js';

function fetcher(lifetimeMs: number | null, now: () => number) {
  let n = 0;
  const fetch = async (): Promise<RegistryToken> => {
    const i = n++;
    if (i === 99) throw new Error('never');
    return { username: 'u', password: `p${i}`, expiresAt: lifetimeMs === null ? null : new Date(now() + lifetimeMs) };
  };
  return { fetch, count: () => n };
}

describe('cachedCredentialSource', () => {
  it('serves the cached token until 5 minutes before expiry, then refetches', async () => {
    let now = 1_000_000;
    const f = fetcher(60 * 60_000, () => now);
    const source = cachedCredentialSource(f.fetch, { clock: () => now });
    expect((await source.get()).password).toBe('p0');
    now += 54 * 60_000;
    expect((await source.get()).password).toBe('p0');
    now += 2 * 60_000;
    expect((await source.get()).password).toBe('p1');
    expect(f.count()).toBe(2);
  });

  it('refetches every time when a token lives shorter than the margin, and never for tokens without expiry', async () => {
    let now = 0;
    const short = fetcher(60_000, () => now);
    const s = cachedCredentialSource(short.fetch, { clock: () => now });
    await s.get();
    await s.get();
    expect(short.count()).toBe(2);
    const forever = fetcher(null, () => now);
    const f = cachedCredentialSource(forever.fetch, { clock: () => now });
    now += 1e12;
    await f.get();
    await f.get();
    expect(forever.count()).toBe(1);
  });

  it('caches no failure, shares one fetch between concurrent callers, and forgets on invalidate()', async () => {
    let calls = 0;
    let fail = true;
    const source = cachedCredentialSource(async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 5));
      if (fail) throw new Error('AWS said no');
      return { username: 'u', password: `p${calls}`, expiresAt: null };
    });
    await expect(Promise.all([source.get(), source.get()])).rejects.toThrow('AWS said no');
    expect(calls).toBe(1);
    fail = false;
    expect((await source.get()).password).toBe('p2');
    source.invalidate();
    expect((await source.get()).password).toBe('p3');
  });
});
