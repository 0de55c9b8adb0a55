import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startApi, type Api } from '../support/api-harness.js';
import { initDockerfileRepo } from '../support/runnable-pipeline.js';
import { csrfOf, form, setCookie, webLogin, type WebSession } from '../support/web-session.js';

/**
 * Issue 13, "How it must be shown": app.inject() tests of the web app's pages over a real SQLite store and a real
 * git repository: the login and its cookie, every html_url of every API answer opens (a crawler), content,
 * escaping, redirects, CSRF refusals and 404 for what a session may not see.
 */
const XSS = '<script>alert(1)</script>';
const IMG = '<img src=x onerror=alert(2)>';

describe('web app pages', () => {
  let api: Api;
  let web: WebSession;
  let work: string;
  let pipelineId: number;
  let actionId: number;
  let executionId: number;
  const P = '/workspaces/acme/projects/site/pipelines';

  beforeAll(async () => {
    api = await startApi({ ARCHWAY_BUILTIN_AGENT: '0', ARCHWAY_GIT_POLL_SECONDS: '0' });
    work = mkdtempSync(join(tmpdir(), 'archway-web-'));
    initDockerfileRepo(join(work, 'repo'));
    const must = async (method: string, url: string, body: unknown) => {
      const res = await api.call(method, url, body);
      if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    await must('POST', '/workspaces', { domain: 'acme', name: 'Acme' });
    await must('POST', '/workspaces', { domain: 'other', name: 'Other' });
    await must('POST', '/workspaces/other/projects', { display_name: 'Hidden' });
    await must('POST', '/workspaces/acme/projects', {
      name: 'site',
      display_name: `Site ${XSS}`,
      custom_repo_url: join(work, 'repo'),
    });
    pipelineId = (await must('POST', P, { name: `Build ${IMG}`, refs: ['main'], cache_scope: 'PROJECT' })).id;
    actionId = (
      await must('POST', `${P}/${pipelineId}/actions`, {
        type: 'DOCKER_BUILD_MULTI_ARCH',
        name: 'image',
        repository: 'registry.example.com/acme/site',
        login: 'bot',
        password: 'hunter2-registry-password',
        build_args: [`NOTE=${XSS}`],
        target_platform: 'linux/amd64,linux/arm64',
      })
    ).id;
    await must('POST', '/workspaces/acme/variables', { key: 'WS_VAR', value: 'plain', settable: true });
    await must('POST', '/workspaces/acme/variables', {
      key: 'WS_SECRET',
      value: 'sealed-variable-value',
      encrypted: true,
      settable: true,
    });
    await must('POST', '/workspaces/acme/variables', { key: 'P_VAR', value: 'p', project: { name: 'site' } });
    await must('POST', '/workspaces/acme/variables', {
      key: 'PL_VAR',
      value: 'pl',
      project: { name: 'site' },
      pipeline: { id: pipelineId },
    });
    await must('POST', '/workspaces/acme/integrations', {
      name: 'Hub',
      type: 'DOCKER_HUB',
      scope: 'WORKSPACE',
      username: 'bot',
      password: 'integration-password-x',
    });
    executionId = (await must('POST', `${P}/${pipelineId}/executions`, { branch: { name: 'main' }, comment: IMG })).id;
    web = await webLogin(api);
  }, 60_000);
  afterAll(async () => {
    await api?.close();
    rmSync(work, { recursive: true, force: true });
  });

  describe('login', () => {
    it('sets an HttpOnly SameSite=Lax session cookie and returns to next', async () => {
      const page = await web.request('GET', '/app/login?next=/app/acme');
      expect(page.status).toBe(200);
      expect(page.body).toContain('>Token');
      expect(page.body).toContain('Log in</button>');
      const answer = await web.request('POST', '/app/login', {
        cookie: `archway_login=${setCookie(page.headers, 'archway_login')}`,
        body: form({ _csrf: csrfOf(page.body)!, token: 'test-admin-token-0123456789', next: '/app/acme' }),
      });
      expect(answer.status).toBe(303);
      expect(answer.location).toBe('/app/acme');
      const line = [answer.headers['set-cookie']].flat().find((c) => String(c).startsWith('archway_session='));
      expect(line).toMatch(/; Path=\/; HttpOnly; SameSite=Lax; Secure$/); // ARCHWAY_PUBLIC_URL is https here
    });

    it('refuses a wrong token with the form again, a login without its form cookie, and a foreign next', async () => {
      const page = await web.request('GET', '/app/login?next=//evil.example/x');
      expect(page.body).toContain('name="next" value="/app"');
      const cookie = `archway_login=${setCookie(page.headers, 'archway_login')}`;
      const wrong = await web.request('POST', '/app/login', {
        cookie,
        body: form({ _csrf: csrfOf(page.body)!, token: 'not-a-token' }),
      });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toContain('That token is not valid');
      expect(setCookie(wrong.headers, 'archway_session')).toBeUndefined();
      const forged = await web.request('POST', '/app/login', {
        body: form({ _csrf: 'x', token: 'test-admin-token-0123456789' }),
      });
      expect(forged.status).toBe(403);
      expect(setCookie(forged.headers, 'archway_session')).toBeUndefined();
    });

    it('sends a browser without a session to the login, and keeps the JSON API at 401', async () => {
      const page = await web.request('GET', `/app/acme/site/pipelines/pipeline/${pipelineId}`);
      expect(page.status).toBe(303);
      expect(page.location).toBe(
        `/app/login?next=${encodeURIComponent(`/app/acme/site/pipelines/pipeline/${pipelineId}`)}`,
      );
      const root = await web.request('GET', '/');
      expect([root.status, root.location]).toEqual([303, '/app']);
      const json = await api.inject({ method: 'GET', url: '/workspaces' });
      expect(json.statusCode).toBe(401);
      expect(JSON.parse(json.body)).toEqual({ errors: [{ message: expect.any(String) }] });
    });

    it('logs out: the session is gone for pages and for the API', async () => {
      const other = await webLogin(api);
      const out = await other.post('/app/logout');
      expect([out.status, out.location]).toEqual([303, '/app/login']);
      expect((await other.get('/app')).status).toBe(303);
      const read = await api.inject({ method: 'GET', url: '/workspaces', headers: { cookie: other.cookie } });
      expect(read.statusCode).toBe(401);
    });
  });

  describe('every html_url opens', () => {
    it('follows every url of every API answer and opens each html_url with the session', async () => {
      const base = api.config.publicUrl.replace(/\/$/, '');
      const seen = new Set<string>();
      const html = new Set<string>();
      const queue = [
        '/workspaces',
        '/user',
        '/user/token',
        '/user/tokens',
        '/workspaces/acme/projects/site/pipelines',
        `${P}/${pipelineId}/actions`,
        `${P}/${pipelineId}/executions`,
        '/workspaces/acme/integrations',
        '/workspaces/acme/variables',
        '/workspaces/acme/variables?projectName=site',
        `/workspaces/acme/variables?projectName=site&pipelineId=${pipelineId}`,
      ];
      const walk = (value: unknown): void => {
        if (Array.isArray(value)) return value.forEach(walk);
        if (!value || typeof value !== 'object') return;
        for (const [key, v] of Object.entries(value)) {
          if (typeof v === 'string' && key === 'html_url') html.add(v);
          else if (typeof v === 'string' && key === 'url' && v.startsWith(base)) queue.push(v.slice(base.length));
          else walk(v);
        }
      };
      while (queue.length) {
        const url = queue.shift()!;
        if (seen.has(url)) continue;
        seen.add(url);
        const res = await api.get(url);
        if (res.status === 200) walk(res.body);
      }
      expect(seen.size).toBeGreaterThan(15);
      const paths = [...html].map((u) => {
        expect(u.startsWith(`${base}/app`)).toBe(true);
        return u.slice(base.length);
      });
      // Every kind of page the API links to is among them.
      for (const kind of [
        /^\/app$/,
        /^\/app\/acme$/,
        /^\/app\/acme\/site$/,
        /^\/app\/acme\/site\/pipelines$/,
        /\/pipelines\/pipeline\/\d+$/,
        /\/execution\/\d+$/,
        /\/execution\/\d+\/\?actionExecutionId=[0-9a-f]{24}$/,
        /\/pipelines\/action\/\d+\/edit$/,
        /\/repository\/commit\/[0-9a-f]{40}$/,
        /\/repository\/branch\/main$/,
        /^\/app\/acme\/variables$/,
        /^\/app\/acme\/site\/variables$/,
        /\/pipeline\/\d+\/variables$/,
        /^\/app\/acme\/integrations$/,
        /^\/app\/acme\/integrations\/[0-9a-f]+$/,
        /^\/app\/acme\/profile\/\d+$/,
        /^\/app\/my-id$/,
        /^\/app\/my-id\/tokens$/,
      ])
        expect(
          paths.some((p) => kind.test(p)),
          String(kind),
        ).toBe(true);
      const failed: string[] = [];
      for (const path of paths) {
        const res = await web.get(path);
        if (res.status !== 200) failed.push(`${path} → ${res.status}`);
        else expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      }
      expect(failed).toEqual([]);
    });
  });

  describe('content and escaping', () => {
    it('shows user text as text: a <script> in a name, a comment, a build arg', async () => {
      const pages = [
        await web.get('/app/acme'),
        await web.get(`/app/acme/site/pipelines/pipeline/${pipelineId}`),
        await web.get(`/app/acme/site/pipelines/pipeline/${pipelineId}/execution/${executionId}`),
        await web.get(`/app/acme/site/pipelines/action/${actionId}/edit`),
      ];
      for (const page of pages) {
        expect(page.status).toBe(200);
        expect(page.body).not.toContain('<script>alert');
        expect(page.body).not.toContain('<img src=x');
      }
      expect(pages[0]!.body).toContain('Site &lt;script>alert(1)&lt;/script>');
      expect(pages[1]!.body).toContain('Build &lt;img src=x onerror=alert(2)>');
      expect(pages[2]!.body).toContain('&lt;img src=x onerror=alert(2)>');
      expect(pages[3]!.body).toContain('NOTE=&lt;script>alert(1)&lt;/script>');
    });

    it('never renders a secret: the action password, an encrypted variable, an integration password', async () => {
      const all = [
        await web.get(`/app/acme/site/pipelines/action/${actionId}/edit`),
        await web.get('/app/acme/variables'),
        await web.get(`/app/acme/site/pipelines/pipeline/${pipelineId}`),
        await web.get('/app/acme/integrations'),
      ]
        .map((p) => p.body)
        .join('\n');
      for (const secret of ['hunter2-registry-password', 'sealed-variable-value', 'integration-password-x'])
        expect(all).not.toContain(secret);
      expect(all).toContain('encrypted — leave empty to keep');
    });

    it('lists the pipelines with their last run and a pipeline with its actions, runs and Run form', async () => {
      const project = await web.get('/app/acme/site/pipelines');
      expect(project.body).toMatch(new RegExp(`/execution/${executionId}"><span class="status`));
      const pipeline = await web.get(`/app/acme/site/pipelines/pipeline/${pipelineId}`);
      expect(pipeline.body).toContain(`/app/acme/site/pipelines/action/${actionId}/edit">image</a>`);
      expect(pipeline.body).toContain(`data-execution="${executionId}"`);
      expect(pipeline.body).toContain('name="branch" value="main"');
      expect(pipeline.body).toContain('name="var:WS_VAR" value="plain"');
      expect(pipeline.body).toContain('name="var:WS_SECRET" placeholder="encrypted — leave empty to keep"');
      expect(pipeline.body).toContain('Run</button>');
    });
  });

  describe('run, cancel and retry', () => {
    it('runs from the form (with a changed variable) and lands on the new execution', async () => {
      const answer = await web.post(`/app/acme/site/pipelines/pipeline/${pipelineId}/run`, {
        branch: 'main',
        comment: 'from the page',
        clear_cache: '1',
        'var:WS_VAR': 'changed',
        'var:WS_SECRET': '',
      });
      expect(answer.status).toBe(303);
      const id = Number(/\/execution\/(\d+)$/.exec(answer.location ?? '')?.[1]);
      const run = await api.get(`${P}/${pipelineId}/executions/${id}`);
      expect(run.body).toMatchObject({ comment: 'from the page', clear_cache: true, branch: { name: 'main' } });
      const page = await web.get(answer.location!);
      expect(page.body).toContain('from the page');
      expect(page.body).toContain('Cancel</button>');

      const cancel = await web.post(`${answer.location}/cancel`);
      expect([cancel.status, cancel.location]).toEqual([303, answer.location]);
      expect((await api.get(`${P}/${pipelineId}/executions/${id}`)).body.status).toBe('TERMINATED');
      const ended = await web.get(answer.location!);
      expect(ended.body).toContain('Retry</button>');
      expect(ended.body).not.toContain('Cancel</button>');

      const retry = await web.post(`${answer.location}/retry`);
      expect(retry.status).toBe(303);
      expect((await api.get(`${P}/${pipelineId}/executions/${id}`)).body.status).not.toBe('TERMINATED');
    });

    it('shows a refused run at the form, in the API words, and starts nothing', async () => {
      const off = (await api.post(P, { name: 'Off', disabled: true })).body.id as number;
      const answer = await web.post(`/app/acme/site/pipelines/pipeline/${off}/run`, {
        branch: 'main',
        comment: 'kept in the form',
      });
      expect(answer.status).toBe(400);
      expect(answer.body).toContain(
        `<p class="alert" role="alert">Pipeline ${off} is disabled; enable it before running it.</p>`,
      );
      expect(answer.body).toContain('name="comment" value="kept in the form"');
      expect((await api.get(`${P}/${off}/executions`)).body.total_element_count).toBe(0);
    });

    it('refuses a POST without the session CSRF value, and one with another session’s', async () => {
      const before = (await api.get(`${P}/${pipelineId}/executions`)).body.total_element_count;
      const other = await webLogin(api);
      for (const _csrf of ['', 'x', other.csrf]) {
        const answer = await web.post(`/app/acme/site/pipelines/pipeline/${pipelineId}/run`, { _csrf });
        expect(answer.status).toBe(403);
        expect(answer.body).toContain('CSRF value does not match');
      }
      expect((await api.get(`${P}/${pipelineId}/executions`)).body.total_element_count).toBe(before);
    });
  });

  describe('the action form', () => {
    const edit = () => `/app/acme/site/pipelines/action/${actionId}/edit`;

    it('has every field of the seed under its Buddy name', async () => {
      const page = await web.get(edit());
      for (const name of [
        'dockerfile_path',
        'context_path',
        'target_stage',
        'build_args',
        'secret_id',
        'secret_src',
        'docker_image_tag',
        'login',
        'password',
        'integration_hash',
        'region',
        'registry',
        'repository',
        'cache_mode',
      ])
        expect(page.body, name).toMatch(new RegExp(`name="${name}"`));
      expect(page.body.match(/name="target_platform"/g)).toHaveLength(4);
      expect(page.body).toContain('value="linux/arm64" checked');
      expect(page.body).not.toContain('value="linux/arm/v7" checked');
      for (const legend of ['Build', 'Platforms', 'Push', 'Cache', 'Run'])
        expect(page.body).toContain(`<legend>${legend}</legend>`);
      expect(page.body).toMatch(/<option value="[0-9a-f]+">Hub \(DOCKER_HUB\)<\/option>/);
    });

    it('saves through the use case (read back through the API) and keeps the password when left empty', async () => {
      const page = await web.get(edit());
      const answer = await web.post(edit(), {
        name: 'image',
        dockerfile_path: 'Dockerfile',
        context_path: '',
        target_stage: 'runtime',
        build_args: 'A=1\nB=two',
        target_platform: ['linux/amd64', 'linux/arm/v7'],
        docker_registry: 'OTHER',
        docker_image_tag: 'v1',
        repository: 'registry.example.com/acme/site',
        login: 'bot',
        password: '',
        cache_mode: 'MAX',
        trigger_time: 'ON_EVERY_EXECUTION',
        retry_count: '2',
        retry_interval: '5',
      });
      expect(page.status).toBe(200);
      expect([answer.status, answer.location]).toEqual([303, `${edit()}?saved=1`]);
      const read = (await api.get(`${P}/${pipelineId}/actions/${actionId}`)).body;
      expect(read).toMatchObject({
        target_stage: 'runtime',
        build_args: ['A=1', 'B=two'],
        target_platform: 'linux/amd64,linux/arm/v7',
        docker_image_tag: 'v1',
        cache_mode: 'MAX',
        retry_count: 2,
        retry_interval: 5,
      });
      expect(read.password).toMatch(/^!encrypted /); // still stored
    });

    it('shows a refusal at its field in the API words and writes nothing', async () => {
      const before = (await api.get(`${P}/${pipelineId}/actions/${actionId}`)).body;
      const answer = await web.post(edit(), {
        name: 'image',
        dockerfile_path: '../outside/Dockerfile',
        target_platform: ['linux/amd64'],
        docker_registry: 'OTHER',
        trigger_time: 'ON_EVERY_EXECUTION',
      });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatch(
        /name="dockerfile_path" value="..\/outside\/Dockerfile" aria-invalid="true"\/>(<span class="hint">[^<]*<\/span>)?<span class="field-error">[^<]*dockerfile_path/,
      );
      expect((await api.get(`${P}/${pipelineId}/actions/${actionId}`)).body).toEqual(before);
    });

    it('adds a new action from the pipeline page', async () => {
      const answer = await web.post(`/app/acme/site/pipelines/pipeline/${pipelineId}/action/new`, {
        name: 'second',
        dockerfile_path: 'Dockerfile',
        target_platform: ['linux/arm/v6'],
        docker_registry: 'NONE',
        trigger_time: 'ON_EVERY_EXECUTION',
      });
      expect(answer.status).toBe(303);
      const list = (await api.get(`${P}/${pipelineId}/actions`)).body.actions as Array<{ name: string; id: number }>;
      const made = list.find((a) => a.name === 'second')!;
      expect(answer.location).toBe(`/app/acme/site/pipelines/action/${made.id}/edit`);
      expect((await api.get(`${P}/${pipelineId}/actions/${made.id}`)).body.target_platform).toBe('linux/arm/v6');
    });
  });

  describe('what a session may not see', () => {
    it('answers 404 for another workspace and hides what the scopes forbid', async () => {
      const narrow = await api.token(['WORKSPACE', 'EXECUTION_INFO'], { workspace_restrictions: ['acme'] });
      const reader = await webLogin(api, narrow);
      expect((await reader.get('/app/other')).status).toBe(404);
      expect((await reader.get('/app/other')).body).toContain('Not found');
      expect((await reader.get('/app/acme/nope')).status).toBe(404);
      expect((await reader.get('/app/acme/site/pipelines/pipeline/999999')).status).toBe(404);
      expect((await reader.get('/app/no/such/page/at/all/here')).status).toBe(404);
      const pipeline = await reader.get(`/app/acme/site/pipelines/pipeline/${pipelineId}`);
      expect(pipeline.status).toBe(200);
      expect(pipeline.body).not.toContain('Run</button>');
      expect(pipeline.body).not.toContain('New action');
      const execution = await reader.get(`/app/acme/site/pipelines/pipeline/${pipelineId}/execution/${executionId}`);
      expect(execution.body).not.toContain('Cancel</button>');
      const run = await reader.post(`/app/acme/site/pipelines/pipeline/${pipelineId}/run`, { branch: 'main' });
      expect(run.status).toBe(403);
      expect((await reader.get('/app/acme/variables')).status).toBe(403);
    });

    it('answers an API client that reached /app by an unmatched path in the envelope, a browser with a page', async () => {
      const url = '/app/no/such/pipelines/pipeline/1/trigger-webhook/extra?token=x';
      const headers = { accept: 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` };
      const client = await api.inject({ method: 'GET', url, headers });
      expect(client.statusCode).toBe(404);
      expect(client.json()).toEqual({
        errors: [{ message: 'No such endpoint: GET /app/no/such/pipelines/pipeline/1/trigger-webhook/extra' }],
      });
      const anonymous = await api.inject({ method: 'GET', url, headers: { accept: 'application/json' } });
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json().errors[0].message).toBeTruthy();
      const browser = await (await webLogin(api)).get(url);
      expect(browser.status).toBe(404);
      expect(browser.headers['content-type']).toContain('text/html');
    });
  });
});
