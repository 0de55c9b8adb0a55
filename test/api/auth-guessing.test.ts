import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../src/api/rate-limit.js';
import { ADMIN_TOKEN, startApi } from '../support/api-harness.js';

type Api = Awaited<ReturnType<typeof startApi>>;
const from = (api: Api, remoteAddress: string, token: string, headers: Record<string, string> = {}) =>
  api.inject({
    method: 'GET',
    url: '/workspaces',
    remoteAddress,
    headers: { authorization: `Bearer ${token}`, ...headers },
  });

/** Issue 10, hole 9: failed authentications are limited per client address, for user and agent routes alike. */
describe('token guessing', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi({ ARCHWAY_AUTH_FAILURE_LIMIT: '5' });
  });
  afterAll(() => api.close());

  it('answers 429 with Retry-After in the envelope after the limit of failures from one address', async () => {
    for (let i = 0; i < 5; i++)
      expect((await from(api, '198.51.100.1', `guess-${i}-abcdefghijkl`)).statusCode).toBe(401);
    const limited = await from(api, '198.51.100.1', 'guess-6-abcdefghijkl');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json().errors[0].message).toContain('failed authentications');
    // The address is held back whatever it sends, a valid token too; another address is not.
    expect((await from(api, '198.51.100.1', ADMIN_TOKEN)).statusCode).toBe(429);
    expect((await from(api, '198.51.100.2', ADMIN_TOKEN)).statusCode).toBe(200);
  });

  it('counts failed agent authentications against the same address budget', async () => {
    const claim = (token: string) =>
      api.inject({
        method: 'POST',
        url: '/agent/v1/jobs/claim',
        remoteAddress: '198.51.100.9',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: '{}',
      });
    for (let i = 0; i < 5; i++) expect((await claim(`agent-guess-${i}-abcdefgh`)).statusCode).toBe(401);
    const limited = await claim('agent-guess-6-abcdefgh');
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
  });

  it('keys the request budget on the token, not on what the caller sends', async () => {
    const ok = await from(api, '198.51.100.3', ADMIN_TOKEN);
    expect(ok.headers['x-rate-limit-limit']).toBe('1000');
    const next = await from(api, '198.51.100.4', ADMIN_TOKEN);
    expect(Number(next.headers['x-rate-limit-remaining'])).toBe(Number(ok.headers['x-rate-limit-remaining']) - 1);
  });
});

describe('the rate limiter', () => {
  it('holds a bounded number of keys: past the bound new keys share one bucket', () => {
    const limiter = createRateLimiter({ max: 3, windowSeconds: 60, maxKeys: 10, now: () => 1_000 });
    for (let i = 0; i < 10; i++) expect(limiter.hit(`k${i}`).exceeded).toBe(false);
    const overflow = Array.from({ length: 100 }, (_, i) => limiter.hit(`spray${i}`));
    expect(limiter.size()).toBe(11);
    expect(overflow.filter((s) => s.exceeded)).toHaveLength(97);
    expect(limiter.hit('k0').remaining).toBe(1); // keys already counted keep their own bucket
  });

  it('forgets every key when the window turns', () => {
    let t = 0;
    const limiter = createRateLimiter({ max: 1, windowSeconds: 1, now: () => t });
    limiter.hit('a');
    expect(limiter.peek('a').exceeded).toBe(true);
    t = 1_000;
    expect(limiter.peek('a').exceeded).toBe(false);
    expect(limiter.size()).toBe(0);
  });
});

/** Issue 10, hole 10: ip_restrictions are enforced on the client address. */
describe('ip_restrictions', () => {
  let api: Api;
  let proxied: Api;
  beforeAll(async () => {
    api = await startApi();
    proxied = await startApi({ ARCHWAY_TRUSTED_PROXIES: '10.0.0.1' });
  });
  afterAll(async () => {
    await api.close();
    await proxied.close();
  });

  it('refuses a token used from an address outside them, and accepts one inside (address or CIDR)', async () => {
    const single = await api.token(['WORKSPACE'], { ip_restrictions: ['203.0.113.7'] });
    const block = await api.token(['WORKSPACE'], { ip_restrictions: ['203.0.113.0/24', '2001:db8::/32'] });
    expect((await from(api, '203.0.113.7', single)).statusCode).toBe(200);
    const outside = await from(api, '203.0.113.8', single);
    expect(outside.statusCode).toBe(403);
    expect(outside.json().errors[0].message).toContain('ip_restrictions');
    expect((await from(api, '203.0.113.200', block)).statusCode).toBe(200);
    expect((await from(api, '::ffff:203.0.113.9', block)).statusCode).toBe(200);
    expect((await from(api, '2001:db8::5', block)).statusCode).toBe(200);
    expect((await from(api, '198.51.100.1', block)).statusCode).toBe(403);
  });

  it('refuses entries that are not addresses or CIDR blocks', async () => {
    const res = await api.post('/user/tokens', { name: 'x', scopes: ['WORKSPACE'], ip_restrictions: ['10.0.0.0/33'] });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toContain('ip_restrictions');
    expect(
      (await api.post('/user/tokens', { name: 'x', scopes: ['WORKSPACE'], ip_restrictions: ['example.com'] })).status,
    ).toBe(400);
  });

  it('believes X-Forwarded-For only from a trusted proxy', async () => {
    const token = await api.token(['WORKSPACE'], { ip_restrictions: ['203.0.113.7'] });
    const forged = { 'x-forwarded-for': '203.0.113.7' };
    expect((await from(api, '198.51.100.1', token, forged)).statusCode).toBe(403);
    const viaProxy = await proxied.token(['WORKSPACE'], { ip_restrictions: ['203.0.113.7'] });
    expect((await from(proxied, '10.0.0.1', viaProxy, forged)).statusCode).toBe(200);
    expect((await from(proxied, '10.0.0.2', viaProxy, forged)).statusCode).toBe(403);
  });
});
