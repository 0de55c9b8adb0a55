import { Type } from 'typebox';
import { PageQuery, pageOf } from '../buddy-json/common.js';
import {
  WorkspaceBody,
  WorkspaceJson,
  WorkspaceListJson,
  workspaceInput,
  workspaceJson,
  workspaceListJson,
} from '../buddy-json/workspace.js';
import { callerOf } from '../auth.js';
import { DomainParams, errorResponses, type App, type RouteDeps } from './deps.js';

export function workspaceRoutes(app: App, { useCases, urls }: RouteDeps): void {
  const uc = useCases.workspaces;
  const tags = ['Workspaces'];
  app.get(
    '/workspaces',
    {
      schema: { tags, querystring: PageQuery, response: { 200: WorkspaceListJson, ...errorResponses } },
      config: { scope: 'WORKSPACE' },
    },
    async (req) => workspaceListJson(urls, await uc.list(callerOf(req), pageOf(req.query))),
  );
  app.post(
    '/workspaces',
    {
      schema: { tags, body: WorkspaceBody, response: { 201: WorkspaceJson, ...errorResponses } },
      config: { scope: 'WORKSPACES_MANAGE' },
    },
    async (req, reply) =>
      reply.status(201).send(workspaceJson(urls, await uc.create(callerOf(req), workspaceInput(req.body)))),
  );
  app.get(
    '/workspaces/:domain',
    {
      schema: { tags, params: DomainParams, response: { 200: WorkspaceJson, ...errorResponses } },
      config: { scope: 'WORKSPACE' },
    },
    async (req) => workspaceJson(urls, await uc.get(callerOf(req), req.params.domain)),
  );
  app.patch(
    '/workspaces/:domain',
    {
      schema: { tags, params: DomainParams, body: WorkspaceBody, response: { 200: WorkspaceJson, ...errorResponses } },
      config: { scope: 'WORKSPACES_MANAGE' },
    },
    async (req) => workspaceJson(urls, await uc.update(callerOf(req), req.params.domain, workspaceInput(req.body))),
  );
  app.delete(
    '/workspaces/:domain',
    {
      schema: { tags, params: DomainParams, response: { 204: Type.Null(), ...errorResponses } },
      config: { scope: 'WORKSPACES_MANAGE' },
    },
    async (req, reply) => {
      await uc.remove(callerOf(req), req.params.domain);
      return reply.status(204).send(null);
    },
  );
}
