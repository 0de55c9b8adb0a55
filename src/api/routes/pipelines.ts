import { Type } from 'typebox';
import type { Caller } from '../../app/caller.js';
import type { Pipeline } from '../../domain/pipeline.js';
import { callerOf } from '../auth.js';
import { PageQuery, pageOf } from '../buddy-json/common.js';
import {
  PipelineBody,
  PipelineJson,
  PipelineListJson,
  pipelineInput,
  pipelineJson,
  pipelineListJson,
} from '../buddy-json/pipeline.js';
import { errorResponses, PipelineParams, ProjectParams, type App, type RouteDeps } from './deps.js';

export function pipelineRoutes(app: App, { useCases, urls }: RouteDeps): void {
  const uc = useCases.pipelines;
  const tags = ['Pipelines'];
  const render = async (caller: Caller, domain: string, projectName: string, pipeline: Pipeline) => {
    const project = await uc.projectOf(caller, domain, projectName);
    const [creator, triggers] = await Promise.all([
      useCases.users.member(pipeline.creatorId),
      uc.triggerView(caller, pipeline, project.workspaceId),
    ]);
    return pipelineJson(urls, domain, project, pipeline, creator, triggers);
  };

  app.get(
    '/workspaces/:domain/projects/:project_name/pipelines',
    {
      schema: {
        tags,
        params: ProjectParams,
        querystring: PageQuery,
        response: { 200: PipelineListJson, ...errorResponses },
      },
      config: { scope: 'EXECUTION_INFO' },
    },
    async (req) => {
      const { domain, project_name } = req.params;
      return pipelineListJson(
        urls,
        domain,
        project_name,
        await uc.list(callerOf(req), domain, project_name, pageOf(req.query, ['name', 'id'])),
      );
    },
  );
  app.post(
    '/workspaces/:domain/projects/:project_name/pipelines',
    {
      schema: { tags, params: ProjectParams, body: PipelineBody, response: { 201: PipelineJson, ...errorResponses } },
      config: { scope: 'EXECUTION_MANAGE' },
    },
    async (req, reply) => {
      const { domain, project_name } = req.params;
      const caller = callerOf(req);
      return reply
        .status(201)
        .send(
          await render(
            caller,
            domain,
            project_name,
            await uc.create(caller, domain, project_name, pipelineInput(req.body)),
          ),
        );
    },
  );
  app.get(
    '/workspaces/:domain/projects/:project_name/pipelines/:pipeline_id',
    {
      schema: { tags, params: PipelineParams, response: { 200: PipelineJson, ...errorResponses } },
      config: { scope: 'EXECUTION_INFO' },
    },
    async (req) => {
      const { domain, project_name, pipeline_id } = req.params;
      const caller = callerOf(req);
      return render(caller, domain, project_name, await uc.get(caller, domain, project_name, pipeline_id));
    },
  );
  app.patch(
    '/workspaces/:domain/projects/:project_name/pipelines/:pipeline_id',
    {
      schema: { tags, params: PipelineParams, body: PipelineBody, response: { 200: PipelineJson, ...errorResponses } },
      config: { scope: 'EXECUTION_MANAGE' },
    },
    async (req) => {
      const { domain, project_name, pipeline_id } = req.params;
      const caller = callerOf(req);
      return render(
        caller,
        domain,
        project_name,
        await uc.update(caller, domain, project_name, pipeline_id, pipelineInput(req.body)),
      );
    },
  );
  app.delete(
    '/workspaces/:domain/projects/:project_name/pipelines/:pipeline_id',
    {
      schema: { tags, params: PipelineParams, response: { 204: Type.Null(), ...errorResponses } },
      config: { scope: 'EXECUTION_MANAGE' },
    },
    async (req, reply) => {
      await uc.remove(callerOf(req), req.params.domain, req.params.project_name, req.params.pipeline_id);
      return reply.status(204).send(null);
    },
  );
}
