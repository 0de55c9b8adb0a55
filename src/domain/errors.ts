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
