/** Registry resolution: from an action's registry fields to a push target with refreshing credentials. */
export { resolveRegistryTarget } from './resolve.js';
export { cachedCredentialSource, staticCredentialSource } from './cached-source.js';
export { RegistryConfigError, RegistryCredentialsError, type RegistryFailure } from './errors.js';
export { awsEndpointOf, ecrTarget } from './ecr.js';
export {
  fetchGoogleAccessToken,
  googleTarget,
  parseServiceAccountKey,
  CLOUD_PLATFORM_SCOPE,
  GOOGLE_TOKEN_URI,
  type ServiceAccountKey,
} from './google.js';
export { dockerHubTarget, privateRegistryTarget } from './static-targets.js';
export { DOCKER_HUB_HOST, ecrHost, parseEcrHost, splitRepository } from './names.js';
export {
  DEFAULT_REFRESH_MARGIN_MS,
  type CredentialSource,
  type IntegrationSecrets,
  type RegistryInput,
  type RegistryTarget,
  type RegistryToken,
  type ResolveOptions,
  type RoleAssumption,
} from './types.js';
