/**
 * How Buddy builds `url` (the API resource) and `html_url` (the web page) of every object, on our own base.
 * The API is served at the root; pages live under /app, mirroring app.buddy.works's paths.
 */
export interface Urls {
  api(path: string): string;
  html(path: string): string;
}

export function createUrls(publicUrl: string): Urls {
  const base = publicUrl.replace(/\/+$/, '');
  return {
    api: (path) => `${base}${path}`,
    html: (path) => `${base}/app${path}`,
  };
}

const enc = encodeURIComponent;
export const paths = {
  workspaces: () => '/workspaces',
  workspace: (ws: string) => `/workspaces/${enc(ws)}`,
  projects: (ws: string) => `/workspaces/${enc(ws)}/projects`,
  project: (ws: string, p: string) => `/workspaces/${enc(ws)}/projects/${enc(p)}`,
  pipelines: (ws: string, p: string) => `${paths.project(ws, p)}/pipelines`,
  pipeline: (ws: string, p: string, id: number) => `${paths.project(ws, p)}/pipelines/${id}`,
  actions: (ws: string, p: string, pid: number) => `${paths.pipeline(ws, p, pid)}/actions`,
  action: (ws: string, p: string, pid: number, id: number) => `${paths.pipeline(ws, p, pid)}/actions/${id}`,
  variables: (ws: string) => `/workspaces/${enc(ws)}/variables`,
  variable: (ws: string, id: number) => `/workspaces/${enc(ws)}/variables/${id}`,
  integrations: (ws: string) => `/workspaces/${enc(ws)}/integrations`,
  integration: (ws: string, hash: string) => `/workspaces/${enc(ws)}/integrations/${enc(hash)}`,
  htmlIntegrations: (ws: string) => `/${enc(ws)}/integrations`,
  htmlIntegration: (ws: string, hash: string) => `/${enc(ws)}/integrations/${enc(hash)}`,
  htmlWorkspace: (ws: string) => `/${enc(ws)}`,
  htmlProject: (ws: string, p: string) => `/${enc(ws)}/${enc(p)}`,
  htmlPipelines: (ws: string, p: string) => `/${enc(ws)}/${enc(p)}/pipelines`,
  htmlPipeline: (ws: string, p: string, id: number) => `/${enc(ws)}/${enc(p)}/pipelines/pipeline/${id}`,
  htmlAction: (ws: string, p: string, id: number) => `/${enc(ws)}/${enc(p)}/pipelines/action/${id}/edit`,
  user: () => '/user',
  htmlUser: () => '/my-id',
  tokens: () => '/user/tokens',
  token: (id: string) => `/user/tokens/${enc(id)}`,
  htmlTokens: () => '/my-id/tokens',
  member: (ws: string, id: number) => `/workspaces/${enc(ws)}/members/${id}`,
  htmlMember: (ws: string, id: number) => `/${enc(ws)}/profile/${id}`,
};
