import type { JobSpec } from '../../domain/job-spec.js';

/** Registry credentials and when they stop working (null = they do not expire on their own). */
export interface RegistryToken {
  username: string;
  password: string;
  expiresAt: Date | null;
}

/**
 * Where a push's credentials come from. `get()` returns cached credentials while they have more than the refresh
 * margin (5 minutes) left and fetches new ones after that; call it again right before pushing.
 */
export interface CredentialSource {
  get(): Promise<RegistryToken>;
  /** Forgets the cached credentials (e.g. after the registry answered 401), so that the next `get()` fetches anew. */
  invalidate(): void;
}

/** Where an image goes and how to log in there. */
export interface RegistryTarget {
  /** host[:port] as containers/image spells it, e.g. "docker.io", "123456789012.dkr.ecr.eu-west-1.amazonaws.com". */
  host: string;
  /** The repository path inside the host, e.g. "team/app". */
  repositoryPath: string;
  /** Null: push anonymously. */
  credentials: CredentialSource | null;
  /** ECR only: creates the repository when it does not exist yet. */
  ensureRepository?: () => Promise<'existing' | 'created'>;
  /** Sentences worth showing in the run's log, e.g. a namespace that was filled in. */
  notes: string[];
  /** A sentence to add to the message when the registry denies the push (e.g. gcr.io served by Artifact Registry). */
  pushDeniedHint?: string;
}

/**
 * From a job's registry target (opened secrets included) to where the image goes and how to log in there
 * (implemented by `push-targets/`). Lifecycle: one per agent. Concurrency: any number of resolves at once; the
 * credential sources cache tokens until the refresh margin. Failure: rejects with a RegistryConfigError or
 * RegistryCredentialsError sentence, before anything is built.
 */
export type RegistryResolver = (target: JobSpec['build']['target']) => Promise<RegistryTarget>;
