import type { Project } from '../domain/project.js';
import type { Secrets } from './ports/secrets.js';
import { ownerIn } from './sealing.js';

/** Where a project's repository is and the credentials to read it (opened for the call, never stored open). */
export interface RepositorySource {
  url: string;
  user: string | null;
  password: string | null;
}

export function repositorySourceOf(secrets: Secrets, project: Project, url: string): RepositorySource {
  return {
    url,
    user: project.repository.user,
    password:
      project.repository.passwordEncrypted &&
      secrets.open(project.repository.passwordEncrypted, ownerIn(project.workspaceId, 'project.repo-password')),
  };
}
