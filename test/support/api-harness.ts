import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import { createServer, type CoreOverrides } from '../../src/cli/compose.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface Reply {
  status: number;
  body: any;
  headers: Record<string, string | string[] | number | undefined>;
}

/**
 * A real Archway API over a real SQLite file in a fresh data dir, driven through Fastify's inject
 * (the full HTTP pipeline — routing, validation, hooks, serialization — without a socket).
 */
export async function startApi(env: Record<string, string> = {}, overrides: CoreOverrides & { listen?: boolean } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'archway-api-'));
  const config = loadConfig({
    ARCHWAY_DATA_DIR: dataDir,
    ARCHWAY_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
    ARCHWAY_PUBLIC_URL: 'https://ci.example.com',
    ARCHWAY_BUILTIN_REGISTRY: '0',
    // Tests keep their git repositories in fresh temp dirs (the data dir, also there, stays refused).
    ARCHWAY_LOCAL_REPO_ROOTS: tmpdir(),
    ...env,
  });
  const server = await createServer(config, false, overrides);
  const baseUrl = overrides.listen ? await server.app.listen({ port: 0, host: '127.0.0.1' }) : '';

  async function call(
    method: string,
    url: string,
    body?: unknown,
    token: string | null = ADMIN_TOKEN,
    raw?: string,
  ): Promise<Reply> {
    const res = await server.app.inject({
      method: method as 'GET',
      url,
      headers: {
        ...(token !== null && { authorization: `Bearer ${token}` }),
        ...((body !== undefined || raw !== undefined) && { 'content-type': 'application/json' }),
      },
      payload: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null, headers: res.headers };
  }

  return {
    dataDir,
    config,
    baseUrl,
    core: server.core,
    /** The Fastify app itself: its route table (`printRoutes`, `hasRoute`) for tests that walk every route. */
    app: server.app,
    /** Fastify's inject as is: for a client address or headers of a test's own. */
    inject: server.app.inject.bind(server.app),
    call,
    get: (url: string, token?: string | null) => call('GET', url, undefined, token),
    post: (url: string, body: unknown, token?: string | null) => call('POST', url, body, token),
    patch: (url: string, body: unknown, token?: string | null) => call('PATCH', url, body, token),
    del: (url: string, token?: string | null) => call('DELETE', url, undefined, token),
    async token(scopes: string[], extra: Record<string, unknown> = {}): Promise<string> {
      const res = await call('POST', '/user/tokens', { name: `t-${scopes.join('-')}`.slice(0, 200), scopes, ...extra });
      if (res.status !== 201) throw new Error(`token: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.token as string;
    },
    /** Workspace "acme", project "company-website", one pipeline; returns the pipeline's actions path. */
    async seedPipeline(
      pipeline: Record<string, unknown> = {},
    ): Promise<{ pipelineId: number; actions: string; pipelinePath: string }> {
      await call('POST', '/workspaces', { domain: 'acme', name: 'Acme' });
      await call('POST', '/workspaces/acme/projects', { display_name: 'Company Website' });
      const res = await call('POST', '/workspaces/acme/projects/company-website/pipelines', {
        name: 'Build',
        ...pipeline,
      });
      if (res.status !== 201) throw new Error(`pipeline: ${res.status} ${JSON.stringify(res.body)}`);
      const pipelinePath = `/workspaces/acme/projects/company-website/pipelines/${res.body.id}`;
      return { pipelineId: res.body.id, actions: `${pipelinePath}/actions`, pipelinePath };
    },
    async close() {
      await server.app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
export type Api = Awaited<ReturnType<typeof startApi>>;
