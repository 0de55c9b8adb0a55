import { staticCredentialSource } from './cached-source.js';
import { RegistryConfigError } from './errors.js';
import { DOCKER_HUB_HOST, dockerHubNamespace, isDockerHubHost, splitRepository } from './names.js';
import type { RegistryInput, RegistryTarget } from './types.js';

function loginCredentials(input: RegistryInput) {
  return input.login ? staticCredentialSource(input.login, input.password ?? '') : null;
}

/**
 * A private registry (docker_registry OTHER or absent): host = `registry`, else the host part of `repository`;
 * credentials = login/password, or none. Throws RegistryConfigError when no host can be found.
 */
export function privateRegistryTarget(input: RegistryInput): RegistryTarget {
  const split = splitRepository(input.repository);
  const host = input.registry || split.host;
  if (!host) {
    throw new RegistryConfigError(
      `"repository" "${input.repository}" names no registry host; set "registry" (host[:port]) or write it as "host/path".`,
    );
  }
  const repositoryPath = split.host === host ? split.path : input.repository;
  return { host, repositoryPath, credentials: loginCredentials(input), notes: [] };
}

function dockerHubCredentials(input: RegistryInput): { username: string; password: string } {
  const i = input.integration;
  if (i && i.type !== 'DOCKER_HUB') {
    throw new RegistryConfigError(
      `DOCKER_HUB needs a DOCKER_HUB integration, but the action's integration is of type ${i.type}.`,
    );
  }
  if (i?.username) return { username: i.username, password: i.password ?? '' };
  if (input.login) return { username: input.login, password: input.password ?? '' };
  throw new RegistryConfigError(
    'Pushing to Docker Hub needs credentials: set "integration_hash" to a DOCKER_HUB integration, or "login" and "password".',
  );
}

/**
 * Docker Hub: host "docker.io" (containers/image's name for it), path "<namespace>/<name>". Docker Hub only takes
 * pushes into a namespace, so a bare name such as "app" goes to "<username>/app" (the integration's user, else
 * `login`), and a note says so. Throws RegistryConfigError when there are no credentials, the integration is of
 * another type, `registry` names another host, or the user name cannot serve as a namespace.
 */
export function dockerHubTarget(input: RegistryInput): RegistryTarget {
  if (input.registry && !isDockerHubHost(input.registry)) {
    throw new RegistryConfigError(
      `"registry" "${input.registry}" is not Docker Hub; leave it empty for DOCKER_HUB, or use docker_registry OTHER for a private registry.`,
    );
  }
  const split = splitRepository(input.repository);
  if (split.host && !isDockerHubHost(split.host)) {
    throw new RegistryConfigError(
      `"repository" "${input.repository}" names the host ${split.host}, not Docker Hub; write it as "namespace/name".`,
    );
  }
  const creds = dockerHubCredentials(input);
  const notes: string[] = [];
  let repositoryPath = split.path;
  if (!repositoryPath.includes('/')) {
    const ns = dockerHubNamespace(creds.username);
    if (!ns) {
      throw new RegistryConfigError(
        `Docker Hub needs a namespace to push "${repositoryPath}" into: write "repository" as "namespace/${repositoryPath}".`,
      );
    }
    repositoryPath = `${ns}/${repositoryPath}`;
    notes.push(
      `Docker Hub takes pushes only into a namespace: pushing "${split.path}" as "${DOCKER_HUB_HOST}/${repositoryPath}" (the integration's user).`,
    );
  }
  return {
    host: DOCKER_HUB_HOST,
    repositoryPath,
    credentials: staticCredentialSource(creds.username, creds.password),
    notes,
  };
}
