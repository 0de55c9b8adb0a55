import { paths } from '../api/buddy-json/urls.js';

/**
 * The links between pages: the same paths as every `html_url` of the API (api/buddy-json/urls.ts is the one place
 * they are made), relative to this origin, so a page works behind any ARCHWAY_PUBLIC_URL.
 */
const app = (path: string) => `/app${path}`;
const enc = encodeURIComponent;
export const links = {
  workspaces: () => '/app',
  workspace: (ws: string) => app(paths.htmlWorkspace(ws)),
  project: (ws: string, p: string) => app(paths.htmlProject(ws, p)),
  pipelines: (ws: string, p: string) => app(paths.htmlPipelines(ws, p)),
  pipeline: (ws: string, p: string, id: number) => app(paths.htmlPipeline(ws, p, id)),
  execution: (ws: string, p: string, pid: number, id: number) => `${links.pipeline(ws, p, pid)}/execution/${id}`,
  action: (ws: string, p: string, id: number) => app(paths.htmlAction(ws, p, id)),
  newAction: (ws: string, p: string, pid: number) => `${links.pipeline(ws, p, pid)}/action/new`,
  commit: (ws: string, p: string, sha: string) => `${links.project(ws, p)}/repository/commit/${enc(sha)}`,
  branch: (ws: string, p: string, branch: string) => `${links.project(ws, p)}/repository/branch/${enc(branch)}`,
  workspaceVariables: (ws: string) => `${links.workspace(ws)}/variables`,
  projectVariables: (ws: string, p: string) => `${links.project(ws, p)}/variables`,
  pipelineVariables: (ws: string, p: string, id: number) => `${links.pipeline(ws, p, id)}/variables`,
  integrations: (ws: string) => app(paths.htmlIntegrations(ws)),
  integration: (ws: string, hash: string) => app(paths.htmlIntegration(ws, hash)),
  member: (ws: string, id: number) => app(paths.htmlMember(ws, id)),
  me: () => app(paths.htmlUser()),
  tokens: () => app(paths.htmlTokens()),
  /** The API resources a page's script reads with the session (GET only). */
  api: {
    execution: (ws: string, p: string, pid: number, id: number) => `${paths.pipeline(ws, p, pid)}/executions/${id}`,
    actionLog: (ws: string, p: string, pid: number, id: number, hex: string) =>
      `${paths.pipeline(ws, p, pid)}/executions/${id}/action_executions/${hex}`,
  },
};
