import { Type } from 'typebox';
import { callerOf } from '../auth.js';
import { PageQuery, pageOf } from '../buddy-json/common.js';
import { Name } from '../buddy-json/limits.js';
import {
  TokenBody,
  TokenJson,
  TokenListJson,
  tokenInput,
  tokenJson,
  tokenListJson,
  UserJson,
  userJson,
} from '../buddy-json/token.js';
import { errorResponses, type App, type RouteDeps } from './deps.js';

export function userRoutes(app: App, { useCases, urls }: RouteDeps): void {
  const uc = useCases.tokens;
  const tags = ['User'];
  const TokenParams = Type.Object({ token_id: Name() });

  app.get(
    '/user',
    { schema: { tags, response: { 200: UserJson, ...errorResponses } }, config: { scope: 'USER_INFO' } },
    async (req) => userJson(urls, callerOf(req).user),
  );
  app.get('/user/token', { schema: { tags, response: { 200: TokenJson, ...errorResponses } } }, async (req) =>
    tokenJson(urls, callerOf(req).token),
  );
  app.get(
    '/user/tokens',
    {
      schema: { tags, querystring: PageQuery, response: { 200: TokenListJson, ...errorResponses } },
      config: { scope: 'TOKEN_INFO' },
    },
    async (req) => tokenListJson(urls, await uc.list(callerOf(req), pageOf(req.query))),
  );
  app.post(
    '/user/tokens',
    {
      schema: { tags, body: TokenBody, response: { 201: TokenJson, ...errorResponses } },
      config: { scope: 'TOKEN_MANAGE' },
    },
    async (req, reply) => {
      const { token, value } = await uc.create(callerOf(req), tokenInput(req.body));
      return reply.status(201).send(tokenJson(urls, token, value));
    },
  );
  app.get(
    '/user/tokens/:token_id',
    {
      schema: { tags, params: TokenParams, response: { 200: TokenJson, ...errorResponses } },
      config: { scope: 'TOKEN_INFO' },
    },
    async (req) => tokenJson(urls, await uc.get(callerOf(req), req.params.token_id)),
  );
  app.delete(
    '/user/tokens/:token_id',
    {
      schema: { tags, params: TokenParams, response: { 204: Type.Null(), ...errorResponses } },
      config: { scope: 'TOKEN_MANAGE' },
    },
    async (req, reply) => {
      await uc.remove(callerOf(req), req.params.token_id);
      return reply.status(204).send(null);
    },
  );
}
