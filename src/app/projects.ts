import { ValidationError } from '../domain/errors.js';
import { assertHandle, handleFromDisplayName } from '../domain/names.js';
import { DEFAULT_BRANCH, type Project, type ProjectAccess, type ProjectStatus } from '../domain/project.js';
import { checkLocalRepo, checkRepoUrl, type LocalRepoRule } from '../domain/repo-url.js';
import { projectAt, workspaceFor } from './resolve-path.js';
import { type Caller } from './caller.js';
import type { Page } from './ports/page.js';
import type { Secrets } from './ports/secrets.js';
import { ownerIn, sealFromClient } from './sealing.js';
import type { Store } from './ports/store.js';

export interface ProjectInput {
  name?: string;
  displayName?: string;
  status?: ProjectStatus;
  access?: ProjectAccess;
  repoUrl?: string | null;
  repoUser?: string | null;
  /** Plain text as sent; sealed before it is stored. */
  repoPassword?: string | null;
  defaultBranch?: string;
  withoutRepository?: boolean;
  fetchSubmodules?: boolean;
  fetchSubmodulesEnvKey?: string | null;
  allowPullRequests?: boolean;
  updateDefaultBranchFromExternal?: boolean;
  /** Plain text as sent (or a sealed value echoed back); sealed before it is stored; null or '' removes it. */
  webhookSecret?: string | null;
}

export function createProjectUseCases(store: Store, secrets: Secrets, localRepos: LocalRepoRule) {
  const find = async (caller: Caller, domain: string, name: string) =>
    (await projectAt(store, caller, domain, name)).project;

  function apply(project: Omit<Project, 'id' | 'createdAt'>, input: ProjectInput): Omit<Project, 'id' | 'createdAt'> {
    const next = { ...project, repository: { ...project.repository } };
    if (input.displayName !== undefined) {
      if (input.displayName.trim() === '') throw new ValidationError('"display_name" must not be empty.');
      next.displayName = input.displayName.trim();
    }
    if (input.name !== undefined) next.name = input.name;
    assertHandle('name', next.name);
    if (input.status !== undefined) next.status = input.status;
    if (input.access !== undefined) next.access = input.access;
    if (input.repoUrl !== undefined) {
      next.repository.url = input.repoUrl === null ? null : checkRepoUrl(input.repoUrl);
      if (next.repository.url !== null) checkLocalRepo(next.repository.url, localRepos);
    }
    if (input.repoUser !== undefined) next.repository.user = input.repoUser;
    if (input.repoPassword !== undefined)
      next.repository.passwordEncrypted =
        input.repoPassword === null || input.repoPassword === ''
          ? null
          : sealFromClient(
              secrets,
              input.repoPassword,
              ownerIn(project.workspaceId, 'project.repo-password'),
              project.repository.passwordEncrypted,
            );
    if (input.defaultBranch !== undefined) next.repository.defaultBranch = input.defaultBranch;
    if (input.webhookSecret !== undefined)
      next.webhookSecretSealed =
        input.webhookSecret === null || input.webhookSecret === ''
          ? null
          : sealFromClient(
              secrets,
              input.webhookSecret,
              ownerIn(project.workspaceId, 'project.webhook-secret'),
              project.webhookSecretSealed,
            );
    for (const key of [
      'withoutRepository',
      'fetchSubmodules',
      'allowPullRequests',
      'updateDefaultBranchFromExternal',
    ] as const) {
      if (input[key] !== undefined) next[key] = input[key];
    }
    if (input.fetchSubmodulesEnvKey !== undefined) next.fetchSubmodulesEnvKey = input.fetchSubmodulesEnvKey;
    if (next.fetchSubmodules && !next.fetchSubmodulesEnvKey) {
      throw new ValidationError('"fetch_submodules_env_key" is required when "fetch_submodules" is true.');
    }
    if (next.repository.passwordEncrypted && !next.repository.user)
      throw new ValidationError('"custom_repo_pass" needs "custom_repo_user".');
    return next;
  }

  return {
    async create(caller: Caller, domain: string, input: ProjectInput): Promise<Project> {
      const workspace = await workspaceFor(store, caller, domain);
      if (!input.displayName?.trim()) throw new ValidationError('"display_name" is required, e.g. "Company Website".');
      const name = input.name ?? handleFromDisplayName(input.displayName);
      if (name === '')
        throw new ValidationError(
          '"name" could not be derived from "display_name"; send a "name" of letters, digits, "_" or "-".',
        );
      const blank: Omit<Project, 'id' | 'createdAt'> = {
        workspaceId: workspace.id,
        name,
        displayName: input.displayName,
        status: 'ACTIVE',
        access: 'PRIVATE',
        createdById: caller.user.id,
        repository: { url: null, user: null, passwordEncrypted: null, defaultBranch: DEFAULT_BRANCH },
        withoutRepository: false,
        fetchSubmodules: false,
        fetchSubmodulesEnvKey: null,
        allowPullRequests: false,
        updateDefaultBranchFromExternal: false,
        webhookSecretSealed: null,
      };
      return store.projects.create(apply(blank, { ...input, name }));
    },
    get: find,
    async list(caller: Caller, domain: string, filter: { status?: string }, page: Page): Promise<Project[]> {
      const workspace = await workspaceFor(store, caller, domain);
      return store.projects.list({ workspaceId: workspace.id, ...filter }, page);
    },
    async update(caller: Caller, domain: string, name: string, input: ProjectInput): Promise<Project> {
      const project = await find(caller, domain, name);
      return store.projects.update({ ...project, ...apply(project, input) });
    },
    /** The push webhook secret in plain text (to verify a delivery), or null when the project has none. */
    webhookSecret(project: Project): string | null {
      return (
        project.webhookSecretSealed &&
        secrets.open(project.webhookSecretSealed, ownerIn(project.workspaceId, 'project.webhook-secret'))
      );
    },
    async remove(caller: Caller, domain: string, name: string): Promise<void> {
      const project = await find(caller, domain, name);
      await store.projects.remove(project.id);
    },
  };
}
export type ProjectUseCases = ReturnType<typeof createProjectUseCases>;
