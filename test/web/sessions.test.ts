import { afterEach, describe, expect, it } from 'vitest';
import { startApi, type Api } from '../support/api-harness.js';
import { csrfOf, form, setCookie, webLogin } from '../support/web-session.js';

/**
 * A session's life over a real store and a test clock: it lasts while used, ends after 12 h idle, after 7 days
 * however busy, with its token (deleted or expired), and keeps the token's IP restrictions; its cookie reads
 * through the API but never writes; failed logins count against the address like failed API calls.
 */
const QUIET = { ARCHWAY_BUILTIN_AGENT: '0', ARCHWAY_GIT_POLL_SECONDS: '0' };
const HOUR = 3_600_000;

function testClock(iso: string) {
  let at = new Date(iso);
  return { clock: { now: () => at }, advance: (ms: number) => (at = new Date(at.getTime() + ms)) };
}

describe('web sessions', () => {
  let api: Api | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('lasts while used, ends after 12 hours idle, and after 7 days however busy', async () => {
    const time = testClock('2026-12-01T00:00:00Z');
    api = await startApi(QUIET, { clock: time.clock });
    const web = await webLogin(api);
    time.advance(11 * HOUR);
    expect((await web.get('/app/my-id')).status).toBe(200); // and seen now
    time.advance(11 * HOUR);
    expect((await web.get('/app/my-id')).status).toBe(200);
    time.advance(12 * HOUR + 1000);
    const idle = await web.get('/app/my-id');
    expect([idle.status, idle.location]).toEqual([303, '/app/login?next=%2Fapp%2Fmy-id']);
    expect(setCookie(idle.headers, 'archway_session')).toBe(''); // cleared

    const busy = await webLogin(api);
    for (let h = 0; h < 7 * 24 - 6; h += 6) {
      time.advance(6 * HOUR);
      expect((await busy.get('/app/my-id')).status).toBe(200);
    }
    time.advance(6 * HOUR);
    expect((await busy.get('/app/my-id')).status).toBe(303);
  });

  it('ends with its token, deleted or expired', async () => {
    const time = testClock('2026-12-01T00:00:00Z');
    api = await startApi(QUIET, { clock: time.clock });
    const made = await api.post('/user/tokens', { name: 'web', scopes: ['USER_INFO', 'TOKEN_INFO'] });
    const doomed = await webLogin(api, made.body.token);
    expect((await doomed.get('/app/my-id')).status).toBe(200);
    expect((await api.del(`/user/tokens/${made.body.id}`)).status).toBe(204);
    expect((await doomed.get('/app/my-id')).status).toBe(303);

    const expiring = await api.post('/user/tokens', { name: 'day', scopes: ['USER_INFO'], expires_in: 1 });
    const short = await webLogin(api, expiring.body.token);
    time.advance(2 * HOUR);
    expect((await short.get('/app/my-id')).status).toBe(200);
    time.advance(23 * HOUR);
    expect((await short.get('/app/my-id')).status).toBe(303);
  });

  it("keeps the token's IP restrictions on every request", async () => {
    api = await startApi(QUIET);
    const token = (await api.post('/user/tokens', { name: 'ip', scopes: ['USER_INFO'], ip_restrictions: ['10.0.0.1'] }))
      .body.token as string;
    await expect(webLogin(api, token, '127.0.0.1')).rejects.toThrow(/login: 403 .*may not be used from 127\.0\.0\.1/);
    const web = await webLogin(api, token, '10.0.0.1');
    const moved = await api.inject({ url: '/app/my-id', remoteAddress: '10.0.0.2', headers: { cookie: web.cookie } });
    expect(moved.statusCode).toBe(403);
    expect(moved.body).toContain('may not be used from 10.0.0.2');
  });

  it('opens API reads with the cookie but never an API write', async () => {
    api = await startApi(QUIET);
    const web = await webLogin(api);
    const read = await api.inject({ url: '/workspaces', headers: { cookie: web.cookie } });
    expect(read.statusCode).toBe(200);
    const write = await api.inject({
      method: 'POST',
      url: '/workspaces',
      headers: { cookie: web.cookie, 'content-type': 'application/json' },
      payload: JSON.stringify({ domain: 'by-cookie', name: 'By cookie' }),
    });
    expect(write.statusCode).toBe(401);
    expect((await api.get('/workspaces/by-cookie')).status).toBe(404);
  });

  it('counts failed logins against the address: past the limit, 429 with Retry-After', async () => {
    api = await startApi({ ...QUIET, ARCHWAY_AUTH_FAILURE_LIMIT: '3' });
    const statuses: number[] = [];
    let last: Awaited<ReturnType<Api['inject']>> | undefined;
    for (let i = 0; i < 5; i++) {
      const page = await api.inject({ url: '/app/login', remoteAddress: '192.0.2.7' });
      last = await api.inject({
        method: 'POST',
        url: '/app/login',
        remoteAddress: '192.0.2.7',
        headers: {
          cookie: `archway_login=${setCookie(page.headers, 'archway_login')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        payload: form({ _csrf: csrfOf(page.body)!, token: `guess-${i}` }),
      });
      statuses.push(last.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0);
    expect(last?.body).toContain('Too many failed authentications');
  });
});
