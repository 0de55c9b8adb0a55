import type { GitPoller, PushHint } from './git-poller.js';
import type { Store } from './ports/store.js';
import type { ProjectUseCases } from './projects.js';

/** A project a push webhook names, with what verifies its deliveries. */
export interface WebhookTarget {
  projectId: number;
  repositoryUrl: string;
  /** Null when the project has no `webhook_secret`: every delivery is refused. */
  secret: string | null;
}

/**
 * The app side of push webhooks (the HTTP side verifies the host's signature with `target().secret`). A verified
 * push only wakes its project's poll: what runs is what the repository shows, never what the payload claims.
 */
export function createPushWebhook(deps: { store: Store; projects: ProjectUseCases; gitPoller: GitPoller }) {
  return {
    async target(domain: string, projectName: string): Promise<WebhookTarget | null> {
      const { project } = await deps.store.paths.resolve({ domain, projectName });
      if (!project?.repository.url) return null;
      return {
        projectId: project.id,
        repositoryUrl: project.repository.url,
        secret: deps.projects.webhookSecret(project),
      };
    },
    /** Polls the project now; resolves to how many runs it started. */
    deliver: (projectId: number, hint: PushHint) => deps.gitPoller.pollNow(projectId, hint),
  };
}
export type PushWebhook = ReturnType<typeof createPushWebhook>;
