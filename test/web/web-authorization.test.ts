import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grants, SCOPES, type Scope } from '../../src/domain/scopes.js';
import { ADMIN_TOKEN, startApi, type Api } from '../support/api-harness.js';
import { changed, snapshotOf } from '../support/db-snapshot.js';
import { parseRouteTree } from '../support/route-tree.js';
import { initDockerfileRepo } from '../support/runnable-pipeline.js';
import { webLogin, type WebSession } from '../support/web-session.js';
import { WEB_ROUTE_KEYS, WEB_ROUTES } from './web-routes.js';

/**
 * The web app's authorization matrix, from its route table: every page and form × every caller it must refuse —
 * no session (a bearer token does not open a page), a session whose token lacks the route's scope, a session
 * restricted to another workspace, a form without the session's CSRF value — each with its answer and no row of
 * the SQLite file changed (sessions aside: a login writes one); and a positive control per page.
 */
const methodOf = (key: string) => key.slice(0, key.indexOf(' '));
const pathOf = (key: string) => key.slice(key.indexOf(' ') + 1);
const guarded = WEB_ROUTE_KEYS.filter((k) => WEB_ROUTES[k.replace(/^HEAD /, 'GET ')] !== 'public');

describe('web app authorization over every page', () => {
  let api: Api;
  let db: Database.Database;
  let work: string;
  let admin: WebSession;
  const lacking: Partial<Record<Scope, WebSession>> = {};
  let elsewhere: WebSession;
  let state: Record<string, string>;
  const params: Record<string, string> = { domain: 'acme', project_name: 'site', branch: 'main' };
  const fill = (path: string) =>
    path.replace(/:(\w+)/g, (_, name: string) => {
      const value = params[name];
      if (value === undefined) throw new Error(`no seeded value for :${name}`);
      return value;
    });
  const withoutSessions = (s: Record<string, string>) => {
    const { web_sessions: _ignored, ...rest } = s;
    return rest;
  };

  beforeAll(async () => {
    api = await startApi({
      ARCHWAY_BUILTIN_AGENT: '0',
      ARCHWAY_GIT_POLL_SECONDS: '0',
      ARCHWAY_AUTH_FAILURE_LIMIT: '1000000',
      ARCHWAY_RATE_LIMIT: '1000000',
    });
    work = mkdtempSync(join(tmpdir(), 'archway-webauth-'));
    initDockerfileRepo(work);
    const must = async (method: string, url: string, body: unknown) => {
      const res = await api.call(method, url, body);
      if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    for (const domain of ['acme', 'other']) await must('POST', '/workspaces', { domain, name: domain });
    await must('POST', '/workspaces/acme/projects', { name: 'site', display_name: 'Site', custom_repo_url: work });
    const P = '/workspaces/acme/projects/site/pipelines';
    params.pipeline_id = String((await must('POST', P, { name: 'Build' })).id);
    const actions = `${P}/${params.pipeline_id}/actions`;
    params.action_id = String((await must('POST', actions, { name: 'b', type: 'DOCKER_BUILD_MULTI_ARCH' })).id);
    const docker = { name: 'Hub', type: 'DOCKER_HUB', scope: 'WORKSPACE', username: 'bot', password: 'pw-1' };
    params.hash_id = (await must('POST', '/workspaces/acme/integrations', docker)).hash_id;
    const run = await must('POST', `${P}/${params.pipeline_id}/executions`, { branch: { name: 'main' } });
    params.execution_id = String(run.id);
    params.sha = run.to_revision.revision;
    params.member_id = String(run.creator.id);
    params.hex_file = `${run.action_executions[0].action_execution_id}.txt`;

    admin = await webLogin(api);
    const assetUrl = /href="\/app\/assets\/([^"]+)"/.exec((await admin.get('/app')).body)![1]!;
    params.file = assetUrl;
    const scopes = new Set(Object.values(WEB_ROUTES).filter((g): g is Scope => g !== 'public' && g !== 'session'));
    for (const scope of scopes) {
      // Every scope but the route's and those that grant it (MANAGE grants RUN grants INFO; …).
      const token = await api.token(SCOPES.filter((s) => !grants([s], scope)));
      lacking[scope] = await webLogin(api, token);
    }
    elsewhere = await webLogin(api, await api.token([...SCOPES], { workspace_restrictions: ['other'] }));
    db = new Database(join(api.dataDir, 'archway.db'), { readonly: true, fileMustExist: true });
    state = withoutSessions(snapshotOf(db));
  }, 60_000);
  afterAll(async () => {
    db?.close();
    await api?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('the table lists every route of the web app, and nothing else', () => {
    const served = parseRouteTree(api.app.printRoutes({ commonPrefix: false })).filter(
      (k) => pathOf(k) === '/' || (pathOf(k).startsWith('/app') && !pathOf(k).endsWith('/trigger-webhook')),
    );
    expect({
      servedButNotInTable: served.filter((k) => !WEB_ROUTE_KEYS.includes(k)),
      inTableButNotServed: WEB_ROUTE_KEYS.filter((k) => !served.includes(k)),
    }).toEqual({ servedButNotInTable: [], inTableButNotServed: [] });
  });

  describe.each(guarded)('%s', (key) => {
    const method = methodOf(key) as 'GET' | 'HEAD' | 'POST';
    const guard = WEB_ROUTES[key.replace(/^HEAD /, 'GET ')]!;
    const url = () => fill(pathOf(key));
    const send = (session: WebSession | null, opts: { csrf?: string; bearer?: boolean } = {}) =>
      api.inject({
        method,
        url: url(),
        headers: {
          accept: 'text/html',
          ...(session && { cookie: session.cookie }),
          ...(opts.bearer && { authorization: `Bearer ${ADMIN_TOKEN}` }),
          ...(method === 'POST' && { 'content-type': 'application/x-www-form-urlencoded' }),
        },
        ...(method === 'POST' && { payload: `_csrf=${encodeURIComponent(opts.csrf ?? session?.csrf ?? '')}` }),
      });
    const unchanged = () => expect(changed(state, withoutSessions(snapshotOf(db)))).toEqual([]);

    it('without a session (a bearer token too) goes to the login', async () => {
      for (const bearer of [false, true]) {
        const res = await send(null, { bearer });
        expect(res.statusCode).toBe(303);
        expect(res.headers.location).toBe(`/app/login?next=${encodeURIComponent(method === 'POST' ? '/app' : url())}`);
      }
      unchanged();
    });
    if (guard !== 'session' && guard !== 'public')
      it(`with a session whose token lacks ${guard}: 403`, async () => {
        const res = await send(lacking[guard]!);
        expect(res.statusCode).toBe(403);
        if (method !== 'HEAD') expect(res.body).toContain(guard);
        unchanged();
      });
    if (pathOf(key).startsWith('/app/:domain'))
      it('with a session restricted to another workspace: 404', async () => {
        const res = await send(elsewhere);
        expect(res.statusCode).toBe(404);
        unchanged();
      });
    if (method === 'POST')
      it('without the session CSRF value: 403', async () => {
        for (const csrf of ['', 'not-the-value', lacking.EXECUTION_RUN!.csrf]) {
          const res = await send(admin, { csrf });
          expect(res.statusCode, `${csrf}: ${res.headers.location} ${res.body.slice(0, 300)}`).toBe(403);
        }
        unchanged();
      });
    if (method !== 'POST')
      it('opens for a session that may (the positive control)', async () => {
        const res = await send(admin);
        expect(res.statusCode).toBe(200);
      });
  });
});
