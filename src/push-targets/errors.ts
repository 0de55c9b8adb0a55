import { BuildError, ValidationError } from '../domain/errors.js';

/** The action's registry fields do not describe a place to push to (a person fixes the action or the integration). */
export class RegistryConfigError extends ValidationError {}

export type RegistryFailure = 'AUTH_FAILED' | 'REGISTRY_UNREACHABLE' | 'PUSH_DENIED';

/**
 * Getting registry credentials (or creating the repository) failed: the provider rejected the integration's
 * secrets, denied the operation, or could not be reached. The message never holds a secret.
 */
export class RegistryCredentialsError extends BuildError {
  constructor(reason: RegistryFailure, message: string, options?: { cause?: unknown }) {
    super(reason, message, options);
  }
}

/** Hides every secret (in every form, by the one rule set of domain/secret-masking.ts) in `text`. Never throws. */
