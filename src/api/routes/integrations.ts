import { Type } from 'typebox';
import { callerOf } from '../auth.js';
import { Name } from '../buddy-json/limits.js';
import {
  IntegrationBody,
  IntegrationJson,
  IntegrationListJson,
  integrationInput,
  integrationJson,
  integrationListJson,
} from '../buddy-json/integration.js';
import { DomainParams, ErrorRef, errorResponses, type App, type RouteDeps } from './deps.js';

const IntegrationParams = Type.Object({ ...DomainParams.properties, hash_id: Name() });

/**
 * Workspace integrations (registry credentials): INTEGRATION_INFO reads, INTEGRATION_ADD adds, INTEGRATION_MANAGE
 * edits and deletes. Deleting one that actions use answers 409 naming them.
 */
export function integrationRoutes(app: App, { useCases, urls }: RouteDeps): void {
  const uc = useCases.integrations;
  const tags = ['Integrations'];
  const base = '/workspaces/:domain/integrations';

  app.get(
    base,
    {
      schema: { tags, params: DomainParams, response: { 200: IntegrationListJson, ...errorResponses } },
      config: { scope: 'INTEGRATION_INFO' },
    },
    async (req) => integrationListJson(urls, req.params.domain, await uc.list(callerOf(req), req.params.domain)),
  );
  app.post(
    base,
    {
      schema: {
        tags,
        params: DomainParams,
        body: IntegrationBody,
        response: { 201: IntegrationJson, 409: ErrorRef, ...errorResponses },
      },
      config: { scope: 'INTEGRATION_ADD' },
    },
    async (req, reply) => {
      const view = await uc.create(callerOf(req), req.params.domain, integrationInput(req.body));
      return reply.status(201).send(integrationJson(urls, req.params.domain, view));
    },
  );
  app.get(
    `${base}/:hash_id`,
    {
      schema: { tags, params: IntegrationParams, response: { 200: IntegrationJson, ...errorResponses } },
      config: { scope: 'INTEGRATION_INFO' },
    },
    async (req) =>
      integrationJson(urls, req.params.domain, await uc.get(callerOf(req), req.params.domain, req.params.hash_id)),
  );
  app.patch(
    `${base}/:hash_id`,
    {
      schema: {
        tags,
        params: IntegrationParams,
        body: IntegrationBody,
        response: { 200: IntegrationJson, 409: ErrorRef, ...errorResponses },
      },
      config: { scope: 'INTEGRATION_MANAGE' },
    },
    async (req) => {
      const view = await uc.update(callerOf(req), req.params.domain, req.params.hash_id, integrationInput(req.body));
      return integrationJson(urls, req.params.domain, view);
    },
  );
  app.delete(
    `${base}/:hash_id`,
    {
      schema: { tags, params: IntegrationParams, response: { 204: Type.Null(), 409: ErrorRef, ...errorResponses } },
      config: { scope: 'INTEGRATION_MANAGE' },
    },
    async (req, reply) => {
      await uc.remove(callerOf(req), req.params.domain, req.params.hash_id);
      return reply.status(204).send(null);
    },
  );
}
