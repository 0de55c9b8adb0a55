export const PROJECT_STATUSES = ['ACTIVE', 'CLOSED'] as const;
export type ProjectStatus = (typeof PROJECT_STATUSES)[number];
export const PROJECT_ACCESS = ['PUBLIC', 'PRIVATE'] as const;
export type ProjectAccess = (typeof PROJECT_ACCESS)[number];

/** Where the project's code comes from: any git URL (also a local path or file:// URL), or none. */
export interface ProjectRepository {
  url: string | null;
  user: string | null;
  /** Ciphertext from the Secrets port; never plain text outside a checkout. */
  passwordEncrypted: string | null;
  defaultBranch: string;
}

export interface Project {
  id: number;
  workspaceId: number;
  name: string;
  displayName: string;
  status: ProjectStatus;
  access: ProjectAccess;
  createdAt: Date;
  createdById: number;
  repository: ProjectRepository;
  withoutRepository: boolean;
  fetchSubmodules: boolean;
  fetchSubmodulesEnvKey: string | null;
  allowPullRequests: boolean;
  updateDefaultBranchFromExternal: boolean;
  /** The shared secret push webhooks (GitHub, GitLab, Gitea) are verified with, sealed; null: webhooks refused. */
  webhookSecretSealed: string | null;
}

export const DEFAULT_BRANCH = 'master';
