import { Type, type Static } from 'typebox';
import type { IntegrationInput, IntegrationView } from '../../app/integrations.js';
import { ValidationError } from '../../domain/errors.js';
import { listEnvelope, Nullable } from './common.js';
import { DetailValue, Int, LIMITS, List, LongText, Name, Text } from './limits.js';
import { paths, type Urls } from './urls.js';

const Str = Type.String();
const opt = Type.Optional;

const RoleAssumption = Type.Object({
  arn: LongText(),
  external_id: opt(Nullable(LongText())),
  duration: opt(Nullable(Int(-LIMITS.int))),
});

/**
 * Add/edit an integration. `type`, `scope` and `auth_type` are checked by the use case, so that an unknown
 * type is answered with the supported ones. Credentials are write-only: AMAZON takes `access_key`/`secret_key`
 * or `access_key_id`/`secret_access_key`; GOOGLE_SERVICE_ACCOUNT takes the JSON key as text in `api_key`.
 */
export const IntegrationBody = Type.Object({
  name: opt(Name()),
  type: opt(Name()),
  scope: opt(Name()),
  project_name: opt(Nullable(Name())),
  identifier: opt(Name()),
  auth_type: opt(Name()),
  all_pipelines_allowed: opt(Type.Boolean()),
  allowed_pipelines: opt(
    List(
      Type.Object({ id: Int(-LIMITS.int) }, { additionalProperties: DetailValue, maxProperties: LIMITS.properties }),
    ),
  ),
  username: opt(Name()),
  password: opt(Text(LIMITS.secret)),
  access_key: opt(Text(LIMITS.secret)),
  secret_key: opt(Text(LIMITS.secret)),
  access_key_id: opt(Text(LIMITS.secret)),
  secret_access_key: opt(Text(LIMITS.secret)),
  role_assumptions: opt(List(RoleAssumption, LIMITS.entries)),
  api_key: opt(Text(LIMITS.serviceAccountKey)),
});
export type IntegrationBody = Static<typeof IntegrationBody>;

const AllowedPipelineJson = Type.Object({ id: Type.Integer(), name: Str, url: Str, html_url: Str });

/** What Buddy returns: no credential field at all, secret or not (the SDK's Integration struct has none). */
export const IntegrationJson = Type.Object(
  {
    url: Str,
    html_url: Str,
    hash_id: Str,
    name: Str,
    type: Str,
    auth_type: Str,
    scope: Str,
    project_name: Nullable(Str),
    identifier: Str,
    all_pipelines_allowed: Type.Boolean(),
    allowed_pipelines: Type.Array(AllowedPipelineJson),
  },
  { $id: 'Integration' },
);
export const IntegrationListJson = listEnvelope('integrations', IntegrationJson);

/** One value from two spellings of the same field; both sent and different is an error. */
function either(a: [string, string | undefined], b: [string, string | undefined]): string | undefined {
  if (a[1] !== undefined && b[1] !== undefined && a[1] !== b[1]) {
    throw new ValidationError(`"${a[0]}" and "${b[0]}" are the same field spelled two ways; send one of them.`);
  }
  return a[1] ?? b[1];
}

export function integrationInput(b: IntegrationBody): IntegrationInput {
  return {
    name: b.name,
    type: b.type,
    scope: b.scope,
    projectName: b.project_name,
    identifier: b.identifier,
    authType: b.auth_type,
    allPipelinesAllowed: b.all_pipelines_allowed,
    allowedPipelineIds: b.allowed_pipelines?.map((p) => p.id),
    username: b.username,
    password: b.password,
    accessKeyId: either(['access_key', b.access_key], ['access_key_id', b.access_key_id]),
    secretAccessKey: either(['secret_key', b.secret_key], ['secret_access_key', b.secret_access_key]),
    roleAssumptions: b.role_assumptions?.map((r) => ({
      arn: r.arn,
      externalId: r.external_id ?? null,
      durationSeconds: r.duration ?? null,
    })),
    serviceAccountKey: b.api_key,
  };
}

export function integrationJson(
  urls: Urls,
  domain: string,
  { integration: i, projectName, allowedPipelines }: IntegrationView,
): Static<typeof IntegrationJson> {
  return {
    url: urls.api(paths.integration(domain, i.hashId)),
    html_url: urls.html(paths.htmlIntegration(domain, i.hashId)),
    hash_id: i.hashId,
    name: i.name,
    type: i.type,
    auth_type: i.authType,
    scope: i.scope,
    project_name: projectName,
    identifier: i.identifier,
    all_pipelines_allowed: i.allPipelinesAllowed,
    allowed_pipelines: allowedPipelines.map((p) => ({
      id: p.id,
      name: p.name,
      url: urls.api(paths.pipeline(domain, p.projectName, p.id)),
      html_url: urls.html(paths.htmlPipeline(domain, p.projectName, p.id)),
    })),
  };
}

export function integrationListJson(urls: Urls, domain: string, list: IntegrationView[]) {
  return {
    url: urls.api(paths.integrations(domain)),
    html_url: urls.html(paths.htmlIntegrations(domain)),
    integrations: list.map((view) => integrationJson(urls, domain, view)),
  };
}
