import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/api/buddy-json/limits.js';
import { ADMIN_TOKEN, startApi, type Api } from '../support/api-harness.js';

/**
 * The holes the security review reproduced, one example each (the property suite in bad-input.property.test.ts
 * searches around them): every answer is a 4xx in Buddy's envelope, and a framework error never repeats the path.
 */
describe('bad input: the reviewed cases', () => {
  let api: Api;
  let pipelinePath: string;
  beforeAll(async () => {
    api = await startApi();
    ({ pipelinePath } = await api.seedPipeline());
  });
  afterAll(() => api.close());

  const raw = async (method: string, url: string, payload?: string | Buffer, contentType?: string) => {
    const res = await api.inject({
      method: method as 'GET',
      url,
      payload,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(contentType && { 'content-type': contentType }) },
    });
    const body = JSON.parse(res.body);
    expect(Object.keys(body)).toEqual(['errors']);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    return { status: res.statusCode, message: body.errors[0].message as string };
  };

  it('answers an empty PATCH of a workspace with the workspace as it is', async () => {
    const res = await api.patch('/workspaces/acme', {});
    expect(res.status).toBe(200);
    expect(res.body.domain).toBe('acme');
  });

  it('refuses trigger conditions nested 5,000 levels deep', async () => {
    const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
    for (const url of [pipelinePath, `${pipelinePath}/actions`]) {
      const res = await raw(
        url === pipelinePath ? 'PATCH' : 'POST',
        url,
        `{"trigger_conditions":[${deep}]}`,
        'application/json',
      );
      expect(res.status).toBe(400);
      expect(res.message).toMatch(/trigger_conditions\[0\]\.a/);
    }
  });

  it.each([
    ['page=1e20', /"page" must be at most 1000000/],
    ['page=1000001', /"page" must be at most 1000000/],
    ['page=0', /"page" must be at least 1/],
    ['page=-1', /"page" must be at least 1/],
    ['page=1.5', /"page" must be integer/],
    ['page=x', /"page" must be integer/],
    ['per_page=101', /"per_page" must be at most 100/],
    ['per_page=1e20', /"per_page" must be at most 100/],
  ])('answers ?%s on every list with 400', async (query, message) => {
    for (const list of [
      '/workspaces',
      '/workspaces/acme/projects',
      `${pipelinePath}/actions`,
      '/workspaces/acme/variables',
    ]) {
      const res = await raw('GET', `${list}?${query}`);
      expect([res.status, res.message]).toEqual([400, expect.stringMatching(message)]);
    }
  });

  it('maps a path that does not decode, or is too long, into the envelope without repeating it', async () => {
    const bad = await raw('GET', '/workspaces/%E0%A4%A');
    expect(bad).toEqual({ status: 400, message: expect.stringMatching(/does not decode/) });
    expect(bad.message).not.toContain('%E0');
    const long = await raw('GET', `/workspaces/${'a'.repeat(LIMITS.name + 1)}`);
    expect(long).toEqual({ status: 414, message: expect.stringMatching(/longer than 255 characters/) });
    expect(long.message).not.toContain('aaaa');
  });

  it('answers bodies that are not JSON, empty or too large with 400, 415 and 413', async () => {
    expect((await raw('POST', '/workspaces', '{bad', 'application/json')).status).toBe(400);
    expect((await raw('POST', '/workspaces', '{"__proto__":{"x":1}}', 'application/json')).status).toBe(400);
    expect((await raw('POST', '/workspaces', '{"domain":"x"}', 'text/plain')).status).toBe(415);
    expect((await raw('POST', '/workspaces', 'domain=x', 'application/x-www-form-urlencoded')).status).toBe(415);
    expect((await raw('POST', '/workspaces', '', 'application/json')).status).toBe(400);
    expect((await raw('POST', '/workspaces', undefined, undefined)).status).toBe(400);
    const big = JSON.stringify({ domain: 'big', name: 'x'.repeat(1024 * 1024) });
    expect(await raw('POST', '/workspaces', big, 'application/json')).toEqual({
      status: 413,
      message: expect.stringMatching(/1 MiB/),
    });
  });

  it('limits string lengths and refuses NUL and lone surrogates in names', async () => {
    const long = await api.post('/workspaces/acme/projects', { display_name: 'x'.repeat(LIMITS.name + 1) });
    expect([long.status, long.body.errors[0].message]).toEqual([400, '"display_name" must be at most 255 characters.']);
    for (const name of ['a\u0000b', 'a\uD800b', '\uDFFF']) {
      const res = await api.post(`${pipelinePath}/actions`, { name, type: 'DOCKER_BUILD_MULTI_ARCH' });
      expect([res.status, res.body.errors[0].message]).toEqual([
        400,
        '"name" must not contain NUL characters or unpaired UTF-16 surrogates.',
      ]);
    }
    const tags = await api.patch(pipelinePath, { tags: Array.from({ length: LIMITS.items + 1 }, () => 't') });
    expect([tags.status, tags.body.errors[0].message]).toEqual([400, '"tags" may have at most 100 items.']);
    // A well-formed pair (an emoji) is one character, and welcome.
    expect((await api.patch(pipelinePath, { name: 'Build 🚀' })).status).toBe(200);
  });

  it('lets a FILE variable hold more than a plain one', async () => {
    const value = 'x'.repeat(LIMITS.value + 1);
    const plain = await api.post('/workspaces/acme/variables', { key: 'BIG', value });
    expect(plain.status).toBe(400);
    expect(plain.body.errors[0].message).toMatch(/"value" must be at most 65536 characters \(524288 for .*FILE/);
    const file = await api.post('/workspaces/acme/variables', {
      key: 'BIG',
      value,
      type: 'FILE',
      file_path: 'config/big.txt',
    });
    expect(file.status).toBe(201);
    const tooBig = await api.post('/workspaces/acme/variables', {
      key: 'HUGE',
      value: 'x'.repeat(LIMITS.fileValue + 1),
      type: 'FILE',
      file_path: 'config/huge.txt',
    });
    expect([tooBig.status, tooBig.body.errors[0].message]).toEqual([400, '"value" must be at most 524288 characters.']);
    const action = await api.post(`${pipelinePath}/actions`, {
      name: 'vars',
      type: 'DOCKER_BUILD_MULTI_ARCH',
      dockerfile_path: 'Dockerfile',
      variables: [{ key: 'A', value }],
    });
    expect([action.status, action.body.errors[0].message]).toEqual([
      400,
      expect.stringMatching(/^"variables\[0\]\.value" must be at most 65536 characters/),
    ]);
  });

  it('pages the variables list like every other list, keeping its shape', async () => {
    for (const key of ['P1', 'P2', 'P3']) await api.post('/workspaces/acme/variables', { key, value: 'v' });
    const keys = async (query: string) => {
      const res = await api.get(`/workspaces/acme/variables?${query}`);
      expect(Object.keys(res.body)).toEqual(['url', 'html_url', 'variables']);
      return res.body.variables.map((v: { key: string }) => v.key).filter((k: string) => /^P\d$/.test(k));
    };
    expect(await keys('per_page=100')).toEqual(['P1', 'P2', 'P3']);
    const all = (await api.get('/workspaces/acme/variables?per_page=100')).body.variables.length;
    const firstTwo = (await api.get('/workspaces/acme/variables?per_page=2')).body.variables.length;
    expect(firstTwo).toBe(Math.min(2, all));
    expect((await api.get(`/workspaces/acme/variables?page=${all + 1}&per_page=1`)).body.variables).toEqual([]);
    expect((await api.get('/workspaces/acme/variables?page=1000000')).body.variables).toEqual([]);
  });
});
