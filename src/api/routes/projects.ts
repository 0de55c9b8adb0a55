import { Type } from 'typebox';
import { callerOf } from '../auth.js';
import { PageQuery, pageOf } from '../buddy-json/common.js';
import {
  ProjectBody,
  ProjectJson,
  ProjectListJson,
  ProjectListQuery,
  projectInput,
  projectJson,
  projectListJson,
} from '../buddy-json/project.js';
import { DomainParams, errorResponses, ProjectParams, type App, type RouteDeps } from './deps.js';

export function projectRoutes(app: App, { useCases, urls }: RouteDeps): void {
  const uc = useCases.projects;
  const tags = ['Projects'];
  const scope = 'WORKSPACE' as const;
  const render = async (domain: string, project: Awaited<ReturnType<typeof uc.get>>) =>
    projectJson(urls, domain, project, await useCases.users.member(project.createdById));

  app.get(
    '/workspaces/:domain/projects',
    {
      schema: {
        tags,
        params: DomainParams,
        querystring: Type.Object({ ...PageQuery.properties, ...ProjectListQuery.properties }),
        response: { 200: ProjectListJson, ...errorResponses },
      },
      config: { scope },
    },
    async (req) => {
      const page = pageOf(req.query, ['name', 'create_date', 'repository_size']);
      return projectListJson(
        urls,
        req.params.domain,
        await uc.list(callerOf(req), req.params.domain, { status: req.query.status }, page),
      );
    },
  );
  app.post(
    '/workspaces/:domain/projects',
    {
      schema: { tags, params: DomainParams, body: ProjectBody, response: { 201: ProjectJson, ...errorResponses } },
      config: { scope },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(
          await render(req.params.domain, await uc.create(callerOf(req), req.params.domain, projectInput(req.body))),
        ),
  );
  app.get(
    '/workspaces/:domain/projects/:project_name',
    { schema: { tags, params: ProjectParams, response: { 200: ProjectJson, ...errorResponses } }, config: { scope } },
    async (req) => render(req.params.domain, await uc.get(callerOf(req), req.params.domain, req.params.project_name)),
  );
  app.patch(
    '/workspaces/:domain/projects/:project_name',
    {
      schema: { tags, params: ProjectParams, body: ProjectBody, response: { 200: ProjectJson, ...errorResponses } },
      config: { scope },
    },
    async (req) =>
      render(
        req.params.domain,
        await uc.update(callerOf(req), req.params.domain, req.params.project_name, projectInput(req.body)),
      ),
  );
  app.delete(
    '/workspaces/:domain/projects/:project_name',
    {
      schema: { tags, params: ProjectParams, response: { 204: Type.Null(), ...errorResponses } },
      config: { scope: 'PROJECT_DELETE' },
    },
    async (req, reply) => {
      await uc.remove(callerOf(req), req.params.domain, req.params.project_name);
      return reply.status(204).send(null);
    },
  );
}
