import { randomBytes } from 'node:crypto';
import { ConflictError, ValidationError } from '../domain/errors.js';
import {
  checkAuthType,
  checkIntegrationFits,
  checkIntegrationScope,
  checkIntegrationType,
  INTEGRATION_TYPES,
  mergeCredentials,
  type CredentialInput,
  type Integration,
  type IntegrationScope,
  type IntegrationType,
  type RoleAssumption,
} from '../domain/integration.js';
import { effectiveDockerRegistry, type MultiArchBuild } from '../domain/multi-arch-build.js';
import { assertHandle, handleFromDisplayName } from '../domain/names.js';
import type { Pipeline } from '../domain/pipeline.js';
import type { Workspace } from '../domain/workspace.js';
import { workspaceFor } from './resolve-path.js';
import { type Caller } from './caller.js';
import { notFound } from './not-found.js';
import type { IntegrationUse, Store } from './ports/store.js';
import { ownerIn } from './sealing.js';
import type { Secrets } from './ports/secrets.js';

/** Add/edit an integration; absent fields keep their value on PATCH. */
export interface IntegrationInput extends CredentialInput {
  name?: string;
  type?: string;
  scope?: string;
  projectName?: string | null;
  identifier?: string;
  authType?: string;
  allPipelinesAllowed?: boolean;
  allowedPipelineIds?: number[];
}

/** An integration with the names its references show (its project, its allowed pipelines). */
export interface IntegrationView {
  integration: Integration;
  projectName: string | null;
  allowedPipelines: Array<{ id: number; name: string; projectName: string }>;
}

/** An integration's credentials with the secret opened, for the execution runtime (never for an API response). */
export type OpenedIntegration = { hashId: string; name: string } & (
  | { type: 'DOCKER_HUB'; username: string; password: string }
  | { type: 'AMAZON'; accessKeyId: string; secretAccessKey: string; roleAssumptions: RoleAssumption[] }
  | { type: 'GOOGLE_SERVICE_ACCOUNT'; serviceAccountKey: string; clientEmail: string; tokenUri: string }
);

interface Placement {
  scope: IntegrationScope;
  projectId: number | null;
  projectName: string | null;
}

/** 25 hex characters, like Buddy's hash ids. */
const newHashId = () => randomBytes(13).toString('hex').slice(0, 25);

const describeUses = (uses: IntegrationUse[]) =>
  uses.map((u) => `action "${u.actionName}" in pipeline "${u.pipelineName}" (project "${u.projectName}")`).join(', ');

/** The uses an integration would no longer reach: actions outside its project or its allowed pipelines. */
const outOfReach = (i: Integration, uses: IntegrationUse[]) =>
  uses.filter(
    (u) =>
      (i.projectId !== null && u.projectId !== i.projectId) ||
      (!i.allPipelinesAllowed && !i.allowedPipelineIds.includes(u.pipelineId)),
  );

export function createIntegrationUseCases(store: Store, secrets: Secrets) {
  /** Scope and project: PROJECT needs an existing "project_name"; WORKSPACE takes none. */
  async function locate(workspace: Workspace, input: IntegrationInput, current?: IntegrationView): Promise<Placement> {
    const scope = checkIntegrationScope(input.scope ?? current?.integration.scope ?? 'WORKSPACE');
    if (scope === 'WORKSPACE') {
      if (input.projectName != null && input.projectName !== current?.projectName)
        throw new ValidationError('"project_name" applies only to "scope" PROJECT.');
      return { scope, projectId: null, projectName: null };
    }
    const name = input.projectName ?? current?.projectName;
    if (name == null) throw new ValidationError('"project_name" is required for "scope" PROJECT.');
    const project =
      (await store.projects.byName(workspace.id, name)) ??
      invalid(`Project "${name}" not found in workspace "${workspace.domain}".`);
    return { scope, projectId: project.id, projectName: project.name };
  }

  /** Pipelines of the workspace (of the project, for PROJECT scope); `drop` forgets ones deleted since. */
  async function allowedPipelines(
    workspace: Workspace,
    ids: number[],
    place: Placement,
    missing: 'fail' | 'drop',
  ): Promise<number[]> {
    const out: number[] = [];
    for (const id of new Set(ids)) {
      const pipeline = await store.pipelines.find(id);
      const project = pipeline && (await store.projects.find(pipeline.projectId));
      if (!project || project.workspaceId !== workspace.id) {
        if (missing === 'drop') continue;
        throw new ValidationError(`"allowed_pipelines": pipeline ${id} not found in workspace "${workspace.domain}".`);
      }
      if (place.projectId !== null && project.id !== place.projectId) {
        throw new ValidationError(
          `"allowed_pipelines": pipeline ${id} is not in project "${place.projectName}", the project of this integration.`,
        );
      }
      out.push(id);
    }
    return out;
  }

  async function freeIdentifier(workspaceId: number, name: string): Promise<string> {
    const base = handleFromDisplayName(name).slice(0, 90).replace(/-+$/, '') || 'integration';
    for (let n = 1; n <= 100; n++) {
      const candidate = n === 1 ? base : `${base}-${n}`;
      if (!(await store.integrations.byIdentifier(workspaceId, candidate))) return candidate;
    }
    return `${base}-${randomBytes(4).toString('hex')}`;
  }

  async function view(integration: Integration): Promise<IntegrationView> {
    const projectName =
      integration.projectId === null ? null : ((await store.projects.find(integration.projectId))?.name ?? null);
    const pipelines: IntegrationView['allowedPipelines'] = [];
    for (const id of integration.allowedPipelineIds) {
      const pipeline = await store.pipelines.find(id);
      const project = pipeline && (await store.projects.find(pipeline.projectId));
      if (pipeline && project) pipelines.push({ id, name: pipeline.name, projectName: project.name });
    }
    return { integration, projectName, allowedPipelines: pipelines };
  }

  async function find(caller: Caller, domain: string, hashId: string) {
    const workspace = await workspaceFor(store, caller, domain);
    const integration =
      (await store.integrations.byHash(workspace.id, hashId)) ??
      notFound(`Integration "${hashId}" not found in workspace "${domain}".`);
    return { workspace, current: await view(integration) };
  }

  function checkNames(input: IntegrationInput): void {
    if (input.name !== undefined && input.name.trim() === '') throw new ValidationError('"name" must not be empty.');
    if (input.identifier !== undefined) assertHandle('identifier', input.identifier);
    if (input.authType !== undefined) checkAuthType(input.authType);
  }

  async function create(caller: Caller, domain: string, input: IntegrationInput): Promise<IntegrationView> {
    const workspace = await workspaceFor(store, caller, domain);
    if (!input.name?.trim()) throw new ValidationError('"name" is required, e.g. "Docker Hub".');
    if (input.type === undefined)
      throw new ValidationError(`"type" is required; supported: ${INTEGRATION_TYPES.join(', ')}.`);
    const type = checkIntegrationType(input.type);
    checkNames(input);
    const { details, secret } = mergeCredentials(type, input);
    const place = await locate(workspace, input);
    const allowedPipelineIds = await allowedPipelines(workspace, input.allowedPipelineIds ?? [], place, 'fail');
    const integration = await store.integrations.create({
      hashId: newHashId(),
      workspaceId: workspace.id,
      projectId: place.projectId,
      name: input.name.trim(),
      type,
      scope: place.scope,
      identifier: input.identifier ?? (await freeIdentifier(workspace.id, input.name)),
      authType: 'DEFAULT',
      allPipelinesAllowed: input.allPipelinesAllowed ?? input.allowedPipelineIds === undefined,
      allowedPipelineIds,
      details,
      sealedSecret: secrets.seal(secret ?? '', ownerIn(workspace.id, 'integration.secret')),
    });
    return view(integration);
  }

  async function update(
    caller: Caller,
    domain: string,
    hashId: string,
    input: IntegrationInput,
  ): Promise<IntegrationView> {
    const { workspace, current } = await find(caller, domain, hashId);
    const { integration } = current;
    if (input.type !== undefined && input.type !== integration.type) {
      throw new ValidationError(
        `The integration "type" cannot be changed (it is ${integration.type}); add a new integration and delete this one.`,
      );
    }
    checkNames(input);
    const { details, secret } = mergeCredentials(integration.type, input, integration.details);
    const place = await locate(workspace, input, current);
    const ids = input.allowedPipelineIds ?? integration.allowedPipelineIds;
    const next: Integration = {
      ...integration,
      name: input.name?.trim() ?? integration.name,
      identifier: input.identifier ?? integration.identifier,
      scope: place.scope,
      projectId: place.projectId,
      details,
      sealedSecret:
        secret === undefined
          ? integration.sealedSecret
          : secrets.seal(secret, ownerIn(workspace.id, 'integration.secret')),
      allPipelinesAllowed: input.allPipelinesAllowed ?? integration.allPipelinesAllowed,
      allowedPipelineIds: await allowedPipelines(
        workspace,
        ids,
        place,
        input.allowedPipelineIds === undefined ? 'drop' : 'fail',
      ),
    };
    // Inside a transaction only `tx` may be used: the embedded store has one connection.
    const saved = await store.transaction(async (tx) => {
      const cut = outOfReach(next, await tx.integrations.usages(workspace.id, hashId));
      if (cut.length) {
        throw new ValidationError(
          `This change takes integration "${hashId}" away from ${describeUses(cut)}; point those actions at another integration first.`,
        );
      }
      return tx.integrations.update(next);
    });
    return view(saved);
  }

  return {
    async list(caller: Caller, domain: string): Promise<IntegrationView[]> {
      const workspace = await workspaceFor(store, caller, domain);
      return Promise.all((await store.integrations.list(workspace.id)).map(view));
    },
    async get(caller: Caller, domain: string, hashId: string): Promise<IntegrationView> {
      return (await find(caller, domain, hashId)).current;
    },
    create,
    update,
    /** Refused (ConflictError) while actions reference the integration: the message names them. */
    async remove(caller: Caller, domain: string, hashId: string): Promise<void> {
      const {
        workspace,
        current: { integration },
      } = await find(caller, domain, hashId);
      await store.transaction(async (tx) => {
        const uses = await tx.integrations.usages(workspace.id, hashId);
        if (uses.length) {
          throw new ConflictError(
            `Integration "${integration.name}" (${hashId}) is used by ${describeUses(uses)}; point those actions at another integration or delete them first.`,
          );
        }
        await tx.integrations.remove(integration.id);
      });
    },
    open: (workspaceId: number, hashId: string) => openIntegration({ store, secrets }, workspaceId, hashId),
  };
}
export type IntegrationUseCases = ReturnType<typeof createIntegrationUseCases>;

function invalid(message: string): never {
  throw new ValidationError(message);
}

/**
 * The integration an action's build references must exist in the pipeline's workspace (by hash id, or by
 * identifier as buddy.yml writes it), reach the pipeline, and fit its `docker_registry`. Returns the build with
 * the reference stored as the hash id. Throws ValidationError naming the reference otherwise.
 */
export async function resolveActionIntegration(
  store: Store,
  domain: string,
  pipeline: Pipeline,
  build: MultiArchBuild,
): Promise<MultiArchBuild> {
  const ref = build.integrationHash;
  if (ref === null) return build;
  const project = (await store.projects.find(pipeline.projectId)) ?? notFound(`Pipeline ${pipeline.id} not found.`);
  const integration =
    (await store.integrations.byHash(project.workspaceId, ref)) ??
    (await store.integrations.byIdentifier(project.workspaceId, ref)) ??
    invalid(
      `Integration "${ref}" not found in workspace "${domain}"; "integration_hash" must be the "hash_id" of one of its integrations.`,
    );
  const named = `Integration "${integration.hashId}" ("${integration.name}")`;
  if (integration.projectId !== null && integration.projectId !== project.id) {
    throw new ValidationError(
      `${named} belongs to another project (scope PROJECT); it cannot be used in project "${project.name}".`,
    );
  }
  if (!integration.allPipelinesAllowed && !integration.allowedPipelineIds.includes(pipeline.id)) {
    throw new ValidationError(
      `${named} is not allowed in pipeline ${pipeline.id}; add the pipeline to its "allowed_pipelines" or set "all_pipelines_allowed".`,
    );
  }
  checkIntegrationFits(effectiveDockerRegistry(build), integration);
  return { ...build, integrationHash: integration.hashId };
}

/**
 * The credentials of an integration with its secret opened, for a job spec. Throws ValidationError when the
 * integration no longer exists (the action then fails with that message).
 */
export async function openIntegration(
  deps: { store: Store; secrets: Secrets },
  workspaceId: number,
  hashId: string,
): Promise<OpenedIntegration> {
  const integration =
    (await deps.store.integrations.byHash(workspaceId, hashId)) ??
    invalid(`Integration "${hashId}" no longer exists in the workspace; point the action at another integration.`);
  const secret = deps.secrets.open(integration.sealedSecret, ownerIn(workspaceId, 'integration.secret'));
  const d = integration.details;
  const base = { hashId: integration.hashId, name: integration.name };
  const type: IntegrationType = integration.type;
  switch (type) {
    case 'DOCKER_HUB':
      return { ...base, type, username: d.username ?? '', password: secret };
    case 'AMAZON':
      return {
        ...base,
        type,
        accessKeyId: d.accessKeyId ?? '',
        secretAccessKey: secret,
        roleAssumptions: d.roleAssumptions,
      };
    case 'GOOGLE_SERVICE_ACCOUNT':
      return { ...base, type, serviceAccountKey: secret, clientEmail: d.clientEmail ?? '', tokenUri: d.tokenUri ?? '' };
  }
}
