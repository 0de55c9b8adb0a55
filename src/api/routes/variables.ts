import { Type } from 'typebox';
import { callerOf } from '../auth.js';
import { pageOf } from '../buddy-json/common.js';
import { Id } from '../buddy-json/limits.js';
import {
  VariableBody,
  VariableJson,
  VariableListJson,
  VariableListQuery,
  variableFilter,
  variableInput,
  variableJson,
  variableListJson,
} from '../buddy-json/variable.js';
import { DomainParams, errorResponses, type App, type RouteDeps } from './deps.js';

const VariableParams = Type.Object({ ...DomainParams.properties, variable_id: Id() });

/** Workspace / project / pipeline / action variables: VARIABLE_INFO reads, VARIABLE_ADD adds, VARIABLE_MANAGE edits and deletes. */
export function variableRoutes(app: App, { useCases, urls }: RouteDeps): void {
  const uc = useCases.variables;
  const tags = ['Variables'];
  const base = '/workspaces/:domain/variables';

  app.get(
    base,
    {
      schema: {
        tags,
        params: DomainParams,
        querystring: VariableListQuery,
        response: { 200: VariableListJson, ...errorResponses },
      },
      config: { scope: 'VARIABLE_INFO' },
    },
    async (req) =>
      variableListJson(
        urls,
        req.params.domain,
        await uc.list(callerOf(req), req.params.domain, variableFilter(req.query), pageOf(req.query)),
      ),
  );
  app.post(
    base,
    {
      schema: { tags, params: DomainParams, body: VariableBody, response: { 201: VariableJson, ...errorResponses } },
      config: { scope: 'VARIABLE_ADD' },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(
          variableJson(
            urls,
            req.params.domain,
            await uc.create(callerOf(req), req.params.domain, variableInput(req.body)),
          ),
        ),
  );
  app.get(
    `${base}/:variable_id`,
    {
      schema: { tags, params: VariableParams, response: { 200: VariableJson, ...errorResponses } },
      config: { scope: 'VARIABLE_INFO' },
    },
    async (req) =>
      variableJson(urls, req.params.domain, await uc.get(callerOf(req), req.params.domain, req.params.variable_id)),
  );
  app.patch(
    `${base}/:variable_id`,
    {
      schema: { tags, params: VariableParams, body: VariableBody, response: { 200: VariableJson, ...errorResponses } },
      config: { scope: 'VARIABLE_MANAGE' },
    },
    async (req) =>
      variableJson(
        urls,
        req.params.domain,
        await uc.update(callerOf(req), req.params.domain, req.params.variable_id, variableInput(req.body)),
      ),
  );
  app.delete(
    `${base}/:variable_id`,
    {
      schema: { tags, params: VariableParams, response: { 204: Type.Null(), ...errorResponses } },
      config: { scope: 'VARIABLE_MANAGE' },
    },
    async (req, reply) => {
      await uc.remove(callerOf(req), req.params.domain, req.params.variable_id);
      return reply.status(204).send(null);
    },
  );
}
