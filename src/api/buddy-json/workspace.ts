import { Type, type Static } from 'typebox';
import type { WorkspaceInput } from '../../app/workspaces.js';
import type { Workspace } from '../../domain/workspace.js';
import { DateString, listEnvelope } from './common.js';
import { Name } from './limits.js';
import { paths, type Urls } from './urls.js';

export const WorkspaceJson = Type.Object(
  {
    url: Type.String(),
    html_url: Type.String(),
    id: Type.Integer(),
    name: Type.String(),
    domain: Type.String(),
    owner_id: Type.Integer(),
    frozen: Type.Boolean(),
    create_date: DateString,
  },
  { $id: 'Workspace' },
);
export const WorkspaceListJson = listEnvelope('workspaces', WorkspaceJson);
export const WorkspaceBody = Type.Object({
  domain: Type.Optional(Name()),
  name: Type.Optional(Name()),
  encryption_salt: Type.Optional(Name()),
});
export type WorkspaceBody = Static<typeof WorkspaceBody>;

export const workspaceInput = (body: WorkspaceBody): WorkspaceInput => ({ domain: body.domain, name: body.name });

export function workspaceJson(urls: Urls, w: Workspace): Static<typeof WorkspaceJson> {
  return {
    url: urls.api(paths.workspace(w.domain)),
    html_url: urls.html(paths.htmlWorkspace(w.domain)),
    id: w.id,
    name: w.name,
    domain: w.domain,
    owner_id: w.ownerId,
    frozen: w.frozen,
    create_date: w.createdAt.toISOString(),
  };
}

export function workspaceListJson(urls: Urls, list: Workspace[]) {
  return {
    url: urls.api(paths.workspaces()),
    html_url: urls.html(''),
    workspaces: list.map((w) => workspaceJson(urls, w)),
  };
}
