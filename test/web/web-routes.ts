import type { Scope } from '../../src/domain/scopes.js';

/**
 * The web app's route table: "METHOD path" as Fastify registers it → who may call it. A page is opened by a
 * session (never a bearer token) whose token holds the scope, as the API route it mirrors asks; `session` needs
 * a session and no scope; `public` serves anybody. The API's matrix (test/api/authorization-matrix.test.ts)
 * leaves these to test/web/web-authorization.test.ts, and the two tables together must cover every route.
 */
export type WebGuard = Scope | 'session' | 'public';

const APP = '/app/:domain';
const PROJECT = `${APP}/:project_name`;
const PIPELINE = `${PROJECT}/pipelines/pipeline/:pipeline_id`;
const EXECUTION = `${PIPELINE}/execution/:execution_id`;

export const WEB_ROUTES: Record<string, WebGuard> = {
  'GET /': 'public',
  'GET /app': 'WORKSPACE',
  'GET /app/': 'WORKSPACE',
  'GET /app/assets/:file': 'public',
  'GET /app/login': 'public',
  'POST /app/login': 'public',
  'POST /app/logout': 'session',
  'GET /app/my-id': 'USER_INFO',
  'GET /app/my-id/tokens': 'TOKEN_INFO',
  [`GET ${APP}`]: 'WORKSPACE',
  [`GET ${APP}/variables`]: 'VARIABLE_INFO',
  [`GET ${APP}/integrations`]: 'INTEGRATION_INFO',
  [`GET ${APP}/integrations/:hash_id`]: 'INTEGRATION_INFO',
  [`GET ${APP}/profile/:member_id`]: 'WORKSPACE',
  [`GET ${PROJECT}`]: 'WORKSPACE',
  [`GET ${PROJECT}/pipelines`]: 'WORKSPACE',
  [`GET ${PROJECT}/variables`]: 'VARIABLE_INFO',
  [`GET ${PROJECT}/repository/commit/:sha`]: 'EXECUTION_INFO',
  [`GET ${PROJECT}/repository/branch/:branch`]: 'EXECUTION_INFO',
  [`GET ${PROJECT}/pipelines/action/:action_id/edit`]: 'EXECUTION_INFO',
  [`POST ${PROJECT}/pipelines/action/:action_id/edit`]: 'EXECUTION_MANAGE',
  [`GET ${PIPELINE}`]: 'EXECUTION_INFO',
  [`POST ${PIPELINE}/run`]: 'EXECUTION_RUN',
  [`GET ${PIPELINE}/variables`]: 'VARIABLE_INFO',
  [`GET ${PIPELINE}/action/new`]: 'EXECUTION_MANAGE',
  [`POST ${PIPELINE}/action/new`]: 'EXECUTION_MANAGE',
  [`GET ${EXECUTION}`]: 'EXECUTION_INFO',
  [`GET ${EXECUTION}/`]: 'EXECUTION_INFO',
  [`POST ${EXECUTION}/cancel`]: 'EXECUTION_RUN',
  [`POST ${EXECUTION}/retry`]: 'EXECUTION_RUN',
  [`GET ${EXECUTION}/log/:hex_file`]: 'EXECUTION_INFO',
};

const pathOf = (key: string) => key.slice(key.indexOf(' ') + 1);
/** The table's keys with the HEAD twin Fastify adds to every GET. */
export const WEB_ROUTE_KEYS = Object.keys(WEB_ROUTES).flatMap((k) =>
  k.startsWith('GET ') ? [k, `HEAD ${pathOf(k)}`] : [k],
);
