/**
 * The one error hierarchy of Archway. Every error a person can see is an AppError with a stable `code`
 * (for clients and logs) and an HTTP status (mapped in api/errors.ts). The catalogue below lists every code.
 */
export const ERROR_CATALOGUE = {
  VALIDATION_FAILED: 400,
  MALFORMED_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  BUILD_FAILED: 422,
  STORE_FAILED: 500,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.status = ERROR_CATALOGUE[code];
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
  constructor(resetAt: number) {
    super('RATE_LIMITED', 'Too many requests for this token; wait until the rate limit window resets.');
    this.resetAt = resetAt;
  }
}

/** Wraps a database driver error so that no driver type leaks past the store adapter. */
export class StoreError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_FAILED', message, options);
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
