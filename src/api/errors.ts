import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, RateLimitedError } from '../domain/errors.js';

interface SchemaIssue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

/** Turns ajv's findings into one sentence naming the field and what it allows. */
export function describeSchemaIssues(issues: readonly SchemaIssue[], dataVar: string): string {
  // Unions report one issue per branch; the enum/type issue of the field itself is the useful one.
  const issue = issues.find((i) => i.keyword === 'enum') ?? issues.find((i) => i.keyword !== 'anyOf') ?? issues[0];
  if (!issue) return `The ${dataVar} is not valid.`;
  const field = issue.instancePath
    .replace(/^\//, '')
    .replace(/\/(\d+)(?=\/|$)/g, '[$1]')
    .replace(/\//g, '.');
  const where = field ? `"${field}"` : dataVar === 'body' ? 'The request body' : `The ${dataVar}`;
  switch (issue.keyword) {
    case 'required':
      return `"${field ? `${field}.` : ''}${String(issue.params.missingProperty)}" is required.`;
    case 'enum':
      return `${where} must be one of: ${(issue.params.allowedValues as unknown[]).join(', ')}.`;
    case 'type':
      return `${where} must be ${String(issue.params.type).replace(/,/g, ' or ')}.`;
    case 'anyOf':
      return `${where} has the wrong type.`;
    default:
      return `${where} ${issue.message ?? 'is not valid'}.`;
  }
}

export function errorBody(message: string) {
  return { errors: [{ message }] };
}

/** The one mapping from errors to HTTP: AppErrors keep their status, 4xx framework errors keep theirs, the rest is 500. */
export function handleError(
  error: FastifyError | AppError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (error instanceof RateLimitedError)
    reply.header('Retry-After', Math.max(1, error.resetAt - Math.floor(Date.now() / 1000)));
  if (error instanceof AppError) {
    if (error.status >= 500) request.log.error({ err: error }, error.message);
    void reply.status(error.status).type('application/json').send(errorBody(error.message));
    return;
  }
  const status = (error as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) {
    const message =
      (error as FastifyError).code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError
        ? `The request body is not valid JSON: ${error.message}`
        : error.message;
    void reply.status(status).type('application/json').send(errorBody(message));
    return;
  }
  request.log.error({ err: error }, 'unhandled error');
  void reply
    .status(500)
    .type('application/json')
    .send(errorBody('Internal server error; the server log has the details.'));
}
