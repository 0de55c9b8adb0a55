import type { Action } from '../domain/action.js';
import { ValidationError } from '../domain/errors.js';
import type { Execution } from '../domain/execution.js';
import type { JobSpec } from '../domain/job-spec.js';
import {
  effectiveCacheMode,
  effectiveDockerRegistry,
  validateMultiArchBuild,
  type MultiArchBuild,
} from '../domain/multi-arch-build.js';
import type { Platform } from '../domain/platform.js';
import type { Pipeline } from '../domain/pipeline.js';
import type { Project } from '../domain/project.js';
import { normaliseRepoPath } from '../domain/repo-path.js';
import type { Secret } from '../domain/secret-masking.js';
import type { Secrets } from './ports/secrets.js';
import { ownerIn } from './sealing.js';
import type { OpenedIntegration } from './integrations.js';
import type { DefaultRegistry, RegistryTargetSpec } from '../domain/job-spec.js';

/** Resolves `$NAME` references in one field's value; throws naming the field and the variable when undefined. */
export type Resolve = (text: string, field: string) => string;

export interface SpecInput {
  project: Project;
  pipeline: Pipeline;
  action: Action;
  execution: Execution;
  actionExecutionId: number;
  resolve: Resolve;
  /** FILE variables in force for this action, plain values. */
  files: Array<{ path: string; content: string; mode: number }>;
  mask: string[];
  /** The integration the action references, opened; null when it references none. */
  integration: OpenedIntegration | null;
  /** Where a bare repository with no registry goes (the built-in registry), if there is one. */
  defaultRegistry?: DefaultRegistry | null;
}

/** A private-registry target without a host goes to the built-in registry, with its credentials. */
function withDefaultRegistry(
  target: RegistryTargetSpec,
  fallback: DefaultRegistry | null | undefined,
): RegistryTargetSpec {
  const bare =
    target.dockerRegistry === 'OTHER' && !target.registry && !/^[^/]*[.:][^/]*\/|^localhost\//.test(target.repository);
  if (!bare || !fallback) return target;
  return {
    ...target,
    registry: fallback.host,
    login: target.login ?? fallback.username,
    password: target.login ? target.password : fallback.password,
  };
}

/** Which builds share a layer cache: the pipeline's cache_scope. */
function cacheKeyOf(pipeline: Pipeline, project: Project): string {
  if (pipeline.cacheScope === 'WORKSPACE') return `workspace-${project.workspaceId}`;
  if (pipeline.cacheScope === 'PROJECT') return `project-${project.id}`;
  return `pipeline-${pipeline.id}`;
}

function openedForJob(i: OpenedIntegration): NonNullable<RegistryTargetSpec['integration']> {
  const label = `integration "${i.name}" (${i.hashId})`;
  if (i.type === 'DOCKER_HUB') return { type: i.type, label, username: i.username, password: i.password };
  if (i.type === 'AMAZON')
    return {
      type: i.type,
      label,
      accessKeyId: i.accessKeyId,
      secretAccessKey: i.secretAccessKey,
      roleAssumptions: i.roleAssumptions,
    };
  return { type: i.type, label, serviceAccountKey: i.serviceAccountKey };
}

/** Values to mask in logs: every secret of the integration (the key's private part shows up in no log line anyway). */
function secretsOf(i: OpenedIntegration): Secret[] {
  if (i.type === 'DOCKER_HUB') return [{ user: i.username, password: i.password }];
  if (i.type === 'AMAZON') return [i.secretAccessKey];
  return [];
}

function buildArg(entry: string): [string, string] {
  const at = entry.indexOf('=');
  return [entry.slice(0, at), entry.slice(at + 1)];
}

/**
 * The build settings with every `$VARIABLE` resolved, validated by the same rules as at the API (a value set
 * through a variable gets no easier pass); a ValidationError names the field, and fails the action before
 * anything is queued.
 */
function resolvedBuild(b: MultiArchBuild, resolve: Resolve, cacheScope: Pipeline['cacheScope']): MultiArchBuild {
  const opt = (v: string | null, field: string) => (v === null ? null : resolve(v, field));
  const resolved: MultiArchBuild = {
    ...b,
    dockerfilePath: resolve(b.dockerfilePath, 'dockerfile_path'),
    contextPath: resolve(b.contextPath, 'context_path'),
    targetStage: opt(b.targetStage, 'target_stage') || null,
    secretId: opt(b.secretId, 'secret_id'),
    secretSrc: opt(b.secretSrc, 'secret_src'),
    buildArgs: b.buildArgs.map((a) => resolve(a, 'build_args')),
    targetPlatforms: b.targetPlatforms.map((p) => resolve(p, 'target_platform')),
    imageTag: opt(b.imageTag, 'docker_image_tag') || null,
    versions: b.versions.map((v) => resolve(v, 'versions')),
    login: opt(b.login, 'login'),
    region: opt(b.region, 'region') || null,
    registry: opt(b.registry, 'registry') || null,
    repository: opt(b.repository, 'repository'),
  };
  return validateMultiArchBuild(resolved, cacheScope, 'resolved');
}

/** Turns an action and its execution into the fully resolved spec an agent runs. */
export function buildJobSpec(input: SpecInput, secrets: Secrets): JobSpec {
  const { action, resolve, project, execution, pipeline } = input;
  const b = resolvedBuild(action.build, resolve, pipeline.cacheScope);
  const repository = b.repository;
  if (!repository)
    throw new ValidationError('"repository" is required to push the image, e.g. "registry.example.com/team/app".');
  const password =
    b.passwordEncrypted === null
      ? null
      : secrets.open(b.passwordEncrypted, ownerIn(project.workspaceId, 'action.password'));
  const { login, secretId, secretSrc } = b;
  const sealedRepoPassword = project.repository.passwordEncrypted;
  const repositoryPassword =
    sealedRepoPassword === null
      ? null
      : secrets.open(sealedRepoPassword, ownerIn(project.workspaceId, 'project.repo-password'));
  // cache_mode is a WORKSPACE/PROJECT option; a PIPELINE-scoped pipeline still keeps its own local layer cache
  // (as Buddy caches Docker layers per pipeline by default).
  const cacheMode = effectiveCacheMode(b, pipeline.cacheScope) ?? 'MIN';
  const tags = [b.imageTag || 'latest', ...b.versions];
  return {
    executionId: execution.id,
    actionExecutionId: input.actionExecutionId,
    actionName: action.name,
    projectKey: `p${project.id}`,
    repository: {
      url: project.repository.url ?? '',
      user: project.repository.user,
      password: repositoryPassword,
    },
    sha: execution.revision?.sha ?? '',
    refresh: execution.refresh,
    clearCache: execution.clearCache,
    cacheKey: cacheKeyOf(pipeline, project),
    timeoutSeconds: action.timeout,
    build: {
      dockerfilePath: normaliseRepoPath('dockerfile_path', b.dockerfilePath),
      contextPath: normaliseRepoPath('context_path', b.contextPath),
      targetStage: b.targetStage,
      buildArgs: b.buildArgs.map(buildArg),
      secret: secretId && secretSrc ? { id: secretId, srcPath: normaliseRepoPath('secret_src', secretSrc) } : null,
      platforms: b.targetPlatforms as Platform[],
      target: withDefaultRegistry(
        {
          dockerRegistry: effectiveDockerRegistry(b),
          registry: b.registry,
          repository,
          region: b.region,
          login,
          password,
          integration: input.integration ? openedForJob(input.integration) : null,
        },
        input.defaultRegistry,
      ),
      tags,
      cacheMode: cacheMode === 'MAX' ? 'max' : 'min',
    },
    files: input.files,
    mask: [
      ...input.mask,
      { user: login, password },
      { user: project.repository.user, password: repositoryPassword },
      ...(input.defaultRegistry
        ? [{ user: input.defaultRegistry.username, password: input.defaultRegistry.password }]
        : []),
      ...(input.integration ? secretsOf(input.integration) : []),
    ],
  };
}
