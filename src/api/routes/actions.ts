import { Type } from 'typebox';
import { callerOf } from '../auth.js';
import {
  ActionBody,
  ActionJson,
  ActionListJson,
  actionInput,
  actionJson,
  actionListJson,
} from '../buddy-json/action.js';
import { PageQuery, pageOf } from '../buddy-json/common.js';
import { ActionParams, errorResponses, PipelineParams, type App, type RouteDeps } from './deps.js';

export function actionRoutes(app: App, { useCases, urls }: RouteDeps): void {
  const uc = useCases.actions;
  const tags = ['Actions'];
  const base = '/workspaces/:domain/projects/:project_name/pipelines/:pipeline_id/actions';

  app.get(
    base,
    {
      schema: {
        tags,
        params: PipelineParams,
        querystring: PageQuery,
        response: { 200: ActionListJson, ...errorResponses },
      },
      config: { scope: 'EXECUTION_INFO' },
    },
    async (req) => {
      const { domain, project_name, pipeline_id } = req.params;
      const { pipeline, actions } = await uc.list(callerOf(req), domain, project_name, pipeline_id, pageOf(req.query));
      return actionListJson(urls, domain, project_name, pipeline, actions);
    },
  );
  app.post(
    base,
    {
      schema: {
        tags,
        summary: 'Add an action (DOCKER_BUILD_MULTI_ARCH)',
        params: PipelineParams,
        body: ActionBody,
        response: { 201: ActionJson, ...errorResponses },
      },
      config: { scope: 'EXECUTION_MANAGE' },
    },
    async (req, reply) => {
      const { domain, project_name, pipeline_id } = req.params;
      const { pipeline, action } = await uc.create(
        callerOf(req),
        domain,
        project_name,
        pipeline_id,
        actionInput(req.body),
      );
      return reply.status(201).send(actionJson(urls, domain, project_name, pipeline, action));
    },
  );
  app.get(
    `${base}/:action_id`,
    {
      schema: { tags, params: ActionParams, response: { 200: ActionJson, ...errorResponses } },
      config: { scope: 'EXECUTION_INFO' },
    },
    async (req) => {
      const { domain, project_name, pipeline_id, action_id } = req.params;
      const { pipeline, action } = await uc.find(callerOf(req), domain, project_name, pipeline_id, action_id);
      return actionJson(urls, domain, project_name, pipeline, action);
    },
  );
  app.patch(
    `${base}/:action_id`,
    {
      schema: { tags, params: ActionParams, body: ActionBody, response: { 200: ActionJson, ...errorResponses } },
      config: { scope: 'EXECUTION_MANAGE' },
    },
    async (req) => {
      const { domain, project_name, pipeline_id, action_id } = req.params;
      const { pipeline, action } = await uc.update(
        callerOf(req),
        domain,
        project_name,
        pipeline_id,
        action_id,
        actionInput(req.body),
      );
      return actionJson(urls, domain, project_name, pipeline, action);
    },
  );
  app.delete(
    `${base}/:action_id`,
    {
      schema: { tags, params: ActionParams, response: { 204: Type.Null(), ...errorResponses } },
      config: { scope: 'EXECUTION_MANAGE' },
    },
    async (req, reply) => {
      const { domain, project_name, pipeline_id, action_id } = req.params;
      await uc.remove(callerOf(req), domain, project_name, pipeline_id, action_id);
      return reply.status(204).send(null);
    },
  );
}
