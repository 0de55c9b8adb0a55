import { ValidationError } from './errors.js';
import type { CacheScope } from './pipeline.js';
import { containsVariable, parsePlatforms } from './platform.js';
import { normaliseRepoPath } from './repo-path.js';

export const DOCKER_REGISTRIES = [
  'NONE',
  'DOCKER_HUB',
  'AMAZON_ECR',
  'GOOGLE_GCR',
  'GOOGLE_ARTIFACT_REGISTRY',
  'OTHER',
  'GIT_HUB_CONTAINER_REGISTRY',
  'ARTIFACT_REGISTRY',
  'DIGITAL_OCEAN_CONTAINER_REGISTRY',
] as const;
export type DockerRegistry = (typeof DOCKER_REGISTRIES)[number];
export const CACHE_MODES = ['MIN', 'MAX'] as const;
export type CacheMode = (typeof CACHE_MODES)[number];
export const GOOGLE_REGISTRY_HOSTS = ['gcr.io', 'us.gcr.io', 'eu.gcr.io', 'asia.gcr.io'] as const;
const ARTIFACT_REGISTRY_HOST = /^[a-z0-9]+(?:-[a-z0-9]+)*-docker\.pkg\.dev$/;
/** Registries reached through a workspace integration rather than login/password. */
const INTEGRATION_REGISTRIES: readonly DockerRegistry[] = [
  'DOCKER_HUB',
  'AMAZON_ECR',
  'GOOGLE_GCR',
  'GOOGLE_ARTIFACT_REGISTRY',
  'ARTIFACT_REGISTRY',
  'DIGITAL_OCEAN_CONTAINER_REGISTRY',
];

/** The DOCKER_BUILD_MULTI_ARCH settings of an action, as stored (values may hold `$VARIABLE` references). */
export interface MultiArchBuild {
  dockerfilePath: string;
  contextPath: string;
  targetStage: string | null;
  secretId: string | null;
  secretSrc: string | null;
  buildArgs: string[];
  targetPlatforms: string[];
  imageTag: string | null;
  versions: string[];
  /** Null = derived from the other registry fields (see effectiveDockerRegistry). */
  dockerRegistry: DockerRegistry | null;
  login: string | null;
  passwordEncrypted: string | null;
  integrationHash: string | null;
  region: string | null;
  registry: string | null;
  repository: string | null;
  cacheMode: CacheMode | null;
  withoutProgress: boolean;
  artifact: string | null;
}

export const DEFAULT_DOCKERFILE_PATH = 'Dockerfile';

export function isGoogleRegistryHost(host: string): boolean {
  return (GOOGLE_REGISTRY_HOSTS as readonly string[]).includes(host) || ARTIFACT_REGISTRY_HOST.test(host);
}

/** Buddy derives docker_registry when a client leaves it out; so do we, from the fields that decide it. */
export function effectiveDockerRegistry(build: MultiArchBuild): DockerRegistry {
  if (build.dockerRegistry) return build.dockerRegistry;
  if (build.registry && ARTIFACT_REGISTRY_HOST.test(build.registry)) return 'GOOGLE_ARTIFACT_REGISTRY';
  if (build.registry && isGoogleRegistryHost(build.registry)) return 'GOOGLE_GCR';
  if (build.region) return 'AMAZON_ECR';
  if (build.integrationHash) return 'DOCKER_HUB';
  return 'OTHER';
}

export function cacheModeAllowed(scope: CacheScope): boolean {
  return scope === 'WORKSPACE' || scope === 'PROJECT';
}

/** The cache mode in force: the stored one, or MIN when the pipeline's cache scope makes one available. */
export function effectiveCacheMode(build: MultiArchBuild, scope: CacheScope): CacheMode | null {
  return cacheModeAllowed(scope) ? (build.cacheMode ?? 'MIN') : null;
}

const BUILD_ARG = /^[A-Za-z_][A-Za-z0-9_]*=/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const SECRET_ID = /^[A-Za-z0-9_.-]{1,128}$/;
const STAGE = /^[A-Za-z0-9_.-]{1,128}$/;
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::[0-9]{1,5})?$/;
const REPOSITORY_PATH = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-[0-9]+$/;

function check(ok: boolean, message: string): void {
  if (!ok) throw new ValidationError(message);
}

/**
 * When the settings are validated: as stored (`$VARIABLE` references are left for later), or after every variable
 * was resolved at run time, when every field must pass the same rule (a `$` left in a value is then just text).
 */
export type ValidationMoment = 'stored' | 'resolved';

/** Whether a value is left for later: it holds a `$VARIABLE` reference and is validated as stored. */
type Deferred = (value: string) => boolean;

function deferredAt(moment: ValidationMoment): Deferred {
  return moment === 'stored' ? containsVariable : () => false;
}

/** Checks a value unless it is deferred (checked again after resolution at run time). */
function checkLiteral(deferred: Deferred, value: string, pattern: RegExp, message: string): void {
  if (!deferred(value)) check(pattern.test(value), message);
}

/**
 * buildah and skopeo take some values inside comma-separated option strings (`--secret id=…,src=…`): a comma in a
 * user's value would add options of its own (buildah 1.28 keeps the last `src=`, so `x,src=/etc/shadow` read a
 * host file). Such values never hold one.
 */
export function checkNoComma(field: string, value: string): void {
  check(!value.includes(','), `"${field}" must not contain "," (got "${value}").`);
}

/**
 * Validates the build settings against the pipeline they live in and returns the stored form: paths are kept
 * as the client wrote them (Buddy echoes them back) and normalised when a build resolves them.
 * Throws ValidationError naming the field and what it allows.
 */
export function validateMultiArchBuild(
  build: MultiArchBuild,
  pipelineCacheScope: CacheScope,
  moment: ValidationMoment = 'stored',
): MultiArchBuild {
  const deferred = deferredAt(moment);
  const dockerfilePath = normaliseRepoPath('dockerfile_path', build.dockerfilePath);
  check(dockerfilePath !== '', '"dockerfile_path" must name a file in the repository, e.g. "Dockerfile".');
  normaliseRepoPath('context_path', build.contextPath);
  const secretSrc = build.secretSrc === null ? null : normaliseRepoPath('secret_src', build.secretSrc);
  check(secretSrc !== '', '"secret_src" must name a file in the repository.');
  if (build.secretSrc !== null) checkNoComma('secret_src', build.secretSrc);
  check(
    (build.secretId === null) === (secretSrc === null),
    '"secret_id" and "secret_src" go together: set both (the id used in RUN --mount=type=secret,id=... and the file) or neither.',
  );
  if (build.secretId !== null)
    checkLiteral(
      deferred,
      build.secretId,
      SECRET_ID,
      `"secret_id" must be 1-128 letters, digits, ".", "_" or "-" (got "${build.secretId}").`,
    );
  if (build.targetStage !== null)
    checkLiteral(
      deferred,
      build.targetStage,
      STAGE,
      `"target_stage" must be a stage name (got "${build.targetStage}").`,
    );
  for (const arg of build.buildArgs) {
    checkLiteral(deferred, arg, BUILD_ARG, `"build_args" entries must look like KEY=value (got "${arg}").`);
  }
  const targetPlatforms = parsePlatforms(
    'target_platform',
    moment === 'stored' ? build.targetPlatforms : build.targetPlatforms.flatMap((p) => p.split(',')),
    deferred,
  );
  for (const tag of [build.imageTag, ...build.versions]) {
    if (tag !== null)
      checkLiteral(
        deferred,
        tag,
        TAG,
        `"docker_image_tag" and "versions" must be valid image tags: letters, digits, "_", "." or "-", at most 128 (got "${tag}").`,
      );
  }
  checkRegistryFields(build, deferred);
  check(
    build.cacheMode === null || cacheModeAllowed(pipelineCacheScope),
    `"cache_mode" is available only when the pipeline's "cache_scope" is WORKSPACE or PROJECT (this pipeline's is ${pipelineCacheScope}).`,
  );
  return { ...build, targetPlatforms };
}

function checkRegistryFields(build: MultiArchBuild, deferred: Deferred): void {
  const kind = effectiveDockerRegistry(build);
  if (build.registry !== null)
    checkLiteral(
      deferred,
      build.registry,
      HOST,
      `"registry" must be a host name with an optional port, e.g. "registry.example.com:5000" (got "${build.registry}").`,
    );
  if (build.repository !== null) checkRepository(build.repository, deferred);
  if (build.region !== null)
    checkLiteral(
      deferred,
      build.region,
      REGION,
      `"region" must be an AWS region such as "us-east-1" (got "${build.region}").`,
    );
  check(build.passwordEncrypted === null || build.login !== null, '"password" needs a "login".');
  if (kind === 'GOOGLE_GCR' || kind === 'GOOGLE_ARTIFACT_REGISTRY') {
    check(
      build.registry !== null,
      `"registry" is required for ${kind}: one of ${GOOGLE_REGISTRY_HOSTS.join(', ')} or a REGION-docker.pkg.dev host.`,
    );
    if (build.registry !== null && !deferred(build.registry)) {
      check(
        isGoogleRegistryHost(build.registry),
        `"registry" must be one of ${GOOGLE_REGISTRY_HOSTS.join(', ')} or a REGION-docker.pkg.dev host for ${kind} (got "${build.registry}").`,
      );
    }
  }
  if (kind === 'AMAZON_ECR') check(build.region !== null, '"region" is required for AMAZON_ECR, e.g. "us-east-1".');
  if (INTEGRATION_REGISTRIES.includes(kind) && !(kind === 'DOCKER_HUB' && build.login !== null)) {
    check(
      build.integrationHash !== null,
      `"integration_hash" (or "integration": {"hash_id": ...}) is required for ${kind}.`,
    );
  }
}

function checkRepository(repository: string, deferred: Deferred): void {
  if (deferred(repository)) return;
  const message = `"repository" must be a lower-case image repository such as "team/app" or "registry.example.com:5000/team/app" (got "${repository}").`;
  const parts = repository.split('/');
  const first = parts[0] ?? '';
  const hasHost = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasHost) check(HOST.test(first), message);
  check(REPOSITORY_PATH.test(hasHost ? parts.slice(1).join('/') : repository), message);
}
