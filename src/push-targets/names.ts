/** Host and path arithmetic for registry references (pure functions, no I/O). */

const HOSTLIKE = /^(?:localhost|[^/]*[.:][^/]*)$/;
const ECR_HOST = /^([0-9]{12})\.dkr\.ecr(-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;
const ACCOUNT_ID = /^[0-9]{12}$/;
const NAMESPACE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** Host names under which Docker Hub is known; containers/image calls it "docker.io". */
export const DOCKER_HUB_HOSTS = [
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
] as const;
export const DOCKER_HUB_HOST = 'docker.io';

/**
 * Splits "host[:port]/path" when the first segment looks like a host (has a dot or a port, or is localhost),
 * as `docker` and containers/image do. Never throws.
 */
export function splitRepository(repository: string): { host: string | null; path: string } {
  const [first, ...rest] = repository.split('/');
  return first && rest.length && HOSTLIKE.test(first)
    ? { host: first, path: rest.join('/') }
    : { host: null, path: repository };
}

/** Whether `host` is one of Docker Hub's names (any case). Never throws. */
export function isDockerHubHost(host: string): boolean {
  return (DOCKER_HUB_HOSTS as readonly string[]).includes(host.toLowerCase());
}

/** A lower-case Docker Hub namespace made from a user name, or null when the name cannot be one. Never throws. */
export function dockerHubNamespace(username: string): string | null {
  const ns = username.trim().toLowerCase();
  return NAMESPACE.test(ns) ? ns : null;
}

export interface EcrHost {
  account: string;
  region: string;
}

/** Parses "<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]"; null for any other host. Never throws. */
export function parseEcrHost(host: string): EcrHost | null {
  const m = ECR_HOST.exec(host.toLowerCase());
  return m ? { account: m[1] ?? '', region: m[3] ?? '' } : null;
}

/** Whether `value` is a 12-digit AWS account id. Never throws. */
export function isAccountId(value: string): boolean {
  return ACCOUNT_ID.test(value);
}

/** The registry host of an AWS account in a region (China regions live under amazonaws.com.cn). Never throws. */
export function ecrHost(account: string, region: string): string {
  return `${account}.dkr.ecr.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

/** The host part of a URL such as ECR's proxyEndpoint ("https://host"), or null when it is not a URL. Never throws. */
export function urlHost(url: string): string | null {
  try {
    return new URL(url).host || null;
  } catch {
    return null;
  }
}
