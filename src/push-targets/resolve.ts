import { ecrTarget } from './ecr.js';
import { RegistryConfigError } from './errors.js';
import { googleTarget } from './google.js';
import { dockerHubTarget, privateRegistryTarget } from './static-targets.js';
import type { RegistryInput, RegistryTarget, ResolveOptions } from './types.js';

/**
 * Turns an action's resolved registry fields into the host, the repository path and a credential source:
 * OTHER/absent -> private registry with login/password; DOCKER_HUB -> docker.io; AMAZON_ECR -> the account's ECR
 * host with tokens from GetAuthorizationToken; GOOGLE_GCR / GOOGLE_ARTIFACT_REGISTRY -> gcr.io-family or
 * REGION-docker.pkg.dev with a service-account access token. Call `credentials.get()` before building to fail early
 * and again right before pushing (tokens are refreshed 5 minutes before they expire).
 * Rejects with RegistryConfigError when the fields or the integration cannot describe a push target (including
 * NONE and kinds Archway does not support yet), and with RegistryCredentialsError when ECR must be asked for the
 * account and AWS refuses. Messages never hold a secret.
 */
export async function resolveRegistryTarget(input: RegistryInput, opts: ResolveOptions = {}): Promise<RegistryTarget> {
  const kind = input.dockerRegistry ?? 'OTHER';
  if (!input.repository) {
    throw new RegistryConfigError('"repository" is required to push the image, e.g. "registry.example.com/team/app".');
  }
  switch (kind) {
    case 'OTHER':
      return privateRegistryTarget(input);
    case 'DOCKER_HUB':
      return dockerHubTarget(input);
    case 'AMAZON_ECR':
      return ecrTarget(input, opts);
    case 'GOOGLE_GCR':
    case 'GOOGLE_ARTIFACT_REGISTRY':
      return googleTarget(input, opts);
    case 'NONE':
      throw new RegistryConfigError(
        '"docker_registry" is NONE: this action pushes nowhere, so it has no registry to resolve.',
      );
    default:
      throw new RegistryConfigError(
        `Pushing to ${kind} is not supported yet; use "docker_registry" OTHER with the registry's host in "registry" and "login"/"password".`,
      );
  }
}
