import { Type, type Static } from 'typebox';
import type { ProjectInput } from '../../app/projects.js';
import { PROJECT_ACCESS, PROJECT_STATUSES, type Project } from '../../domain/project.js';
import type { User } from '../../domain/token.js';
import { DateString, listEnvelope, Nullable, readSealed, showSealed } from './common.js';
import { LIMITS, Name, Sealable, UrlText } from './limits.js';
import { MemberJson, memberJson } from './member.js';
import { paths, type Urls } from './urls.js';

const Status = Type.Enum([...PROJECT_STATUSES]);
const Access = Type.Enum([...PROJECT_ACCESS]);

export const ProjectShortJson = Type.Object({
  url: Type.String(),
  html_url: Type.String(),
  name: Type.String(),
  display_name: Type.String(),
  status: Type.String(),
});
export const ProjectJson = Type.Object(
  {
    url: Type.String(),
    html_url: Type.String(),
    name: Type.String(),
    display_name: Type.String(),
    status: Type.String(),
    access: Type.String(),
    create_date: DateString,
    created_by: MemberJson,
    http_repository: Nullable(Type.String()),
    ssh_repository: Nullable(Type.String()),
    default_branch: Type.String(),
    custom_repo_url: Nullable(Type.String()),
    custom_repo_user: Nullable(Type.String()),
    without_repository: Type.Boolean(),
    fetch_submodules: Type.Boolean(),
    fetch_submodules_env_key: Nullable(Type.String()),
    allow_pull_requests: Type.Boolean(),
    update_default_branch_from_external: Type.Boolean(),
    webhook_secret: Nullable(Type.String()),
  },
  { $id: 'Project' },
);
export const ProjectListJson = listEnvelope('projects', ProjectShortJson);

export const ProjectBody = Type.Object({
  name: Type.Optional(Name()),
  display_name: Type.Optional(Name()),
  status: Type.Optional(Status),
  access: Type.Optional(Access),
  custom_repo_url: Type.Optional(Nullable(UrlText())),
  custom_repo_user: Type.Optional(Nullable(Name())),
  custom_repo_pass: Type.Optional(Nullable(Sealable(LIMITS.secret))),
  default_branch: Type.Optional(Name({ minLength: 1 })),
  without_repository: Type.Optional(Type.Boolean()),
  without_repo: Type.Optional(Type.Boolean()),
  fetch_submodules: Type.Optional(Type.Boolean()),
  fetch_submodules_env_key: Type.Optional(Nullable(Name())),
  allow_pull_requests: Type.Optional(Type.Boolean()),
  update_default_branch_from_external: Type.Optional(Type.Boolean()),
  /** Archway's: the secret GitHub/GitLab/Gitea push webhooks are signed with (write-only; read back sealed). */
  webhook_secret: Type.Optional(Nullable(Sealable(LIMITS.secret))),
});
export type ProjectBody = Static<typeof ProjectBody>;
export const ProjectListQuery = Type.Object({
  status: Type.Optional(Status),
  membership: Type.Optional(Type.Boolean()),
});

export const projectInput = (b: ProjectBody): ProjectInput => ({
  name: b.name,
  displayName: b.display_name,
  status: b.status,
  access: b.access,
  repoUrl: b.custom_repo_url,
  repoUser: b.custom_repo_user,
  repoPassword: readSealed(b.custom_repo_pass),
  defaultBranch: b.default_branch,
  withoutRepository: b.without_repository ?? b.without_repo,
  fetchSubmodules: b.fetch_submodules,
  fetchSubmodulesEnvKey: b.fetch_submodules_env_key,
  allowPullRequests: b.allow_pull_requests,
  updateDefaultBranchFromExternal: b.update_default_branch_from_external,
  webhookSecret: readSealed(b.webhook_secret),
});

export function projectShortJson(urls: Urls, domain: string, p: Project): Static<typeof ProjectShortJson> {
  return {
    url: urls.api(paths.project(domain, p.name)),
    html_url: urls.html(paths.htmlProject(domain, p.name)),
    name: p.name,
    display_name: p.displayName,
    status: p.status,
  };
}

export function projectJson(urls: Urls, domain: string, p: Project, creator: User): Static<typeof ProjectJson> {
  const sshLike = p.repository.url && /^[^/]+@[^/]+:/.test(p.repository.url) ? p.repository.url : null;
  return {
    ...projectShortJson(urls, domain, p),
    access: p.access,
    create_date: p.createdAt.toISOString(),
    created_by: memberJson(urls, domain, creator),
    http_repository: sshLike ? null : p.repository.url,
    ssh_repository: sshLike,
    default_branch: p.repository.defaultBranch,
    custom_repo_url: p.repository.url,
    custom_repo_user: p.repository.user,
    without_repository: p.withoutRepository,
    fetch_submodules: p.fetchSubmodules,
    fetch_submodules_env_key: p.fetchSubmodulesEnvKey,
    allow_pull_requests: p.allowPullRequests,
    update_default_branch_from_external: p.updateDefaultBranchFromExternal,
    webhook_secret: showSealed(p.webhookSecretSealed),
  };
}

export function projectListJson(urls: Urls, domain: string, list: Project[]) {
  return {
    url: urls.api(paths.projects(domain)),
    html_url: urls.html(paths.htmlWorkspace(domain)),
    projects: list.map((p) => projectShortJson(urls, domain, p)),
  };
}
