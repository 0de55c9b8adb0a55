import { BuildError } from '../../domain/errors.js';

/** Where a failing build was when it failed: the platform and its last STEP line. */
export interface FailureContext {
  platform: string;
  lastStep: { step: number; steps: number; instruction: string; stage: number | null } | null;
  /** The build's files, to strip them from messages (users know repository paths, not our work dirs). */
  contextDir: string;
}

function shorten(message: string, ctx: FailureContext): string {
  return message
    .split(ctx.contextDir + '/')
    .join('')
    .split(ctx.contextDir)
    .join('.');
}

function stepName(ctx: FailureContext): string {
  const s = ctx.lastStep;
  if (!s) return '';
  return ` at step ${s.step}/${s.steps} (${s.instruction})${s.stage === null ? '' : ` of stage ${s.stage}`}`;
}

/** Messages of registry failures, shared by build (pull), push and pre-flight. */
export function registryFailure(text: string, what: string): BuildError | null {
  const host = /(?:pinging container registry|registry) ([^\s:]+(?::\d+)?)/.exec(text)?.[1] ?? 'the registry';
  if (/x509: |certificate signed by unknown authority|tls: /.test(text)) {
    return new BuildError(
      'TLS_UNTRUSTED',
      `${what}: the TLS certificate of ${host} is not trusted (${/x509: [^"]*/.exec(text)?.[0] ?? 'x509 error'}). Put its CA in ARCHWAY_REGISTRY_CA_DIR/${host}/ca.crt, or name the host in ARCHWAY_INSECURE_REGISTRIES.`,
    );
  }
  if (/server gave HTTP response to HTTPS client/.test(text)) {
    return new BuildError(
      'TLS_UNTRUSTED',
      `${what}: ${host} speaks plain HTTP; name it in ARCHWAY_INSECURE_REGISTRIES to allow that.`,
    );
  }
  if (/connection refused|no such host|i\/o timeout|network is unreachable|dial tcp/.test(text)) {
    return new BuildError(
      'REGISTRY_UNREACHABLE',
      `${what}: registry ${host} is unreachable (${/dial tcp [^"]*|no such host/.exec(text)?.[0] ?? 'connection failed'}).`,
    );
  }
  if (/toomanyrequests|too many requests|429 /i.test(text)) {
    // Docker Hub answers anonymous and free-account pulls past its limit with 429 "toomanyrequests".
    const hub = /docker\.io|registry-1\.docker\.io|docker\.com/.test(text);
    return new BuildError(
      'RATE_LIMITED',
      `${what}: ${hub ? 'Docker Hub' : host} refused the request for now: too many requests (rate limit). ${
        hub
          ? 'Pull base images as a Docker Hub user (push with a DOCKER_HUB integration, whose login is used for pulls too), or copy the base image into your own registry and use it from there; or run again later.'
          : "Run again later, or ask the registry's owner for a higher limit."
      }`,
    );
  }
  if (/invalid username\/password|unauthorized|authentication required/.test(text)) {
    return new BuildError(
      'AUTH_FAILED',
      `${what}: the registry rejected the credentials (unauthorized); check the login and password or the integration.`,
    );
  }
  if (/denied|forbidden/i.test(text)) {
    return new BuildError(
      'PUSH_DENIED',
      `${what}: the registry denied access (${/denied[^"]*/i.exec(text)?.[0] ?? 'denied'}); the account may not push to this repository.`,
    );
  }
  return null;
}

/** A failed push or copy: the registry's reason when it gave one, else the command's last line. */
export function registryCommandFailure(stderr: string, what: string): BuildError {
  const text = stderr.trim();
  return registryFailure(text, what) ?? new BuildError('ENGINE_FAILED', `${what} failed: ${text.split('\n').pop()}`);
}

/**
 * Maps a failed `buildah build` (exit code + last `Error:` line) to a BuildError (engine-notes section 9):
 * 125 is an engine, input or registry error; any other non-zero code is the exit status of a RUN step.
 */
export function buildFailure(code: number, errorLine: string, ctx: FailureContext): BuildError {
  const msg = shorten(errorLine, ctx);
  const where = `linux build for ${ctx.platform}`;
  const runStep = /building at STEP "(RUN[^"]*)"/.exec(msg);
  if (code !== 125 || (runStep && /exit status \d+/.test(msg))) {
    const status = /exit status (\d+)/.exec(msg)?.[1] ?? String(code);
    return new BuildError('RUN_FAILED', `RUN step failed on ${ctx.platform}${stepName(ctx)} with exit code ${status}.`);
  }
  const copy = /building at STEP "((?:COPY|ADD)[^"]*)": checking on sources[^:]*: copier: stat: "([^"]+)"/.exec(msg);
  if (copy)
    return new BuildError(
      'COPY_SOURCE_MISSING',
      `${copy[1]} failed on ${ctx.platform}: "${copy[2]?.replace(/^\//, '')}" is not in the build context.`,
    );
  const unknown = /Unknown instruction: "([^"]+)"/.exec(msg);
  if (unknown)
    return new BuildError(
      'DOCKERFILE_SYNTAX',
      `The Dockerfile has an unknown instruction "${unknown[1]}"${stepName(ctx)}.`,
    );
  const target = /The target "([^"]+)" was not found/.exec(msg);
  if (target) return new BuildError('TARGET_NOT_FOUND', `The target stage "${target[1]}" is not in the Dockerfile.`);
  if (/could not parse secrets/.test(msg))
    return new BuildError('SECRET_NOT_FOUND', `The build secret's file is missing (${msg}).`);
  const noPlatform = /no image found in (?:image index|manifest list) for architecture (\S+), variant "([^"]*)"/.exec(
    msg,
  );
  if (noPlatform)
    return new BuildError('BASE_PLATFORM_MISSING', `A base image has no ${ctx.platform} variant (${noPlatform[0]}).`);
  if (/manifest unknown|name unknown|not found: manifest/.test(msg)) {
    return new BuildError('BASE_IMAGE_NOT_FOUND', `A base image does not exist in its registry: ${msg}`);
  }
  if (/short-name .* did not resolve/.test(msg)) {
    return new BuildError(
      'BASE_IMAGE_NOT_FOUND',
      `A base image has a short name; use a fully qualified name such as registry.example.com/team/image:tag (${msg}).`,
    );
  }
  const registry = registryFailure(msg, `Pulling a base image for ${ctx.platform}`);
  if (registry) return registry;
  if (/cannot find Containerfile or Dockerfile|stat .*Dockerfile|Containerfile/.test(msg))
    return new BuildError('DOCKERFILE_NOT_FOUND', `The Dockerfile was not found (${msg}).`);
  if (/discovering Containerfile|no such file or directory/.test(msg))
    return new BuildError('CONTEXT_NOT_FOUND', `The build context was not found (${msg}).`);
  return new BuildError(
    'ENGINE_FAILED',
    `The ${where} failed${stepName(ctx)}: ${msg || `buildah exited with code ${code}`}.`,
  );
}
