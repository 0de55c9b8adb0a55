/**
 * The one error hierarchy of Archway. Every error a person can see is an AppError with a stable `code` (for
 * clients and logs) and the HTTP status it is answered with (mapped in api/errors.ts, the one error handler).
 * The catalogue below lists every code, what it means and its status; subclasses that belong to one adapter
 * live there (GitError in git/, AgentProtocolError in agent/, ProgramStartError in process/,
 * RegistryServerError in registry-server/, RegistryConfigError and RegistryCredentialsError in push-targets/).
 */
export const ERROR_CATALOGUE = {
  VALIDATION_FAILED: { status: 400, means: 'a request, an argument or a stored value breaks a rule (ValidationError)' },
  MALFORMED_REQUEST: {
    status: 400,
    means: "reserved, carried by no error yet (a body that is not JSON is Fastify's own 400)",
  },
  UNAUTHORIZED: { status: 401, means: 'no, an unknown or an expired access or agent token (UnauthorizedError)' },
  FORBIDDEN: { status: 403, means: "the token's scopes or workspace restriction do not allow this (ForbiddenError)" },
  NOT_FOUND: {
    status: 404,
    means: 'the addressed workspace, project, pipeline, action, execution or job (NotFoundError)',
  },
  CONFLICT: { status: 409, means: 'the resource exists already, or a state or job attempt moved on (ConflictError)' },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    means: "reserved, carried by no error yet (a body over 1 MiB is Fastify's own 413)",
  },
  RATE_LIMITED: {
    status: 429,
    means:
      "a token's or agent's requests, or an address's failed authentications, of this window are used up; Retry-After says when (RateLimitedError)",
  },
  BUILD_FAILED: {
    status: 422,
    means: 'a build did not produce a verified image index; `reason` says why (BuildError)',
  },
  GIT_FAILED: {
    status: 422,
    means: 'the repository could not be used: bad URL, credentials, unknown branch or revision, unreachable (GitError)',
  },
  STORE_FAILED: { status: 500, means: 'the database failed; wraps the driver error (StoreError)' },
  CONFIG_INVALID: {
    status: 500,
    means: "the server's own configuration (environment, secret key) is not usable (ConfigError)",
  },
  PROGRAM_START_FAILED: {
    status: 500,
    means:
      'a program Archway runs (git, buildah, skopeo, setpriv, htpasswd) is missing or cannot start (ProgramStartError)',
  },
  REGISTRY_SERVER_FAILED: {
    status: 500,
    means: 'the managed docker-registry could not be set up or started (RegistryServerError)',
  },
  AGENT_PROTOCOL: {
    status: 502,
    means:
      "the server answered an agent's protocol call with an error; `serverStatus` holds its status (AgentProtocolError)",
  },
  INTERNAL: {
    status: 500,
    means: "a broken assumption inside Archway, i.e. a bug; never the caller's fault (InternalError)",
  },
} as const satisfies Record<string, { status: number; means: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('VALIDATION_FAILED', message, options);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Missing, invalid or expired access token.') {
    super('UNAUTHORIZED', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

export class RateLimitedError extends AppError {
  readonly resetAt: number;
  constructor(resetAt: number, who: 'token' | 'address' | 'agent' = 'token') {
    super(
      'RATE_LIMITED',
      who === 'address'
        ? 'Too many failed authentications from this address; wait until the window resets.'
        : `Too many requests for this ${who}; wait until the rate limit window resets.`,
    );
    this.resetAt = resetAt;
  }
}

/** Wraps a database driver error so that no driver type leaks past the store adapter. */
export class StoreError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_FAILED', message, options);
  }
}

/** The server's own configuration (the environment, the secret key) is not usable; the message names the setting. */
export class ConfigError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFIG_INVALID', message, options);
  }
}

/** An assumption inside Archway broke (a caller passed what no caller may): a bug, never the user's doing. */
export class InternalError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INTERNAL', message, options);
  }
}

/** Why a build failed, for clients and tests; the message is the sentence a person reads. */
export const BUILD_FAILURE_REASONS = [
  'RUN_FAILED',
  'DOCKERFILE_NOT_FOUND',
  'CONTEXT_NOT_FOUND',
  'COPY_SOURCE_MISSING',
  'SECRET_NOT_FOUND',
  'TARGET_NOT_FOUND',
  'DOCKERFILE_SYNTAX',
  'BASE_IMAGE_NOT_FOUND',
  'BASE_PLATFORM_MISSING',
  'REGISTRY_UNREACHABLE',
  'AUTH_FAILED',
  'PUSH_DENIED',
  'RATE_LIMITED',
  'TLS_UNTRUSTED',
  'TIMEOUT',
  'CANCELLED',
  'VERIFY_FAILED',
  'ENGINE_FAILED',
] as const;
export type BuildFailureReason = (typeof BUILD_FAILURE_REASONS)[number];

/** A build that did not produce a verified image index. */
export class BuildError extends AppError {
  readonly reason: BuildFailureReason;
  constructor(reason: BuildFailureReason, message: string, options?: { cause?: unknown }) {
    super('BUILD_FAILED', message, options);
    this.reason = reason;
  }
}
