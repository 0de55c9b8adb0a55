import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, NotFoundError, RateLimitedError } from '../domain/errors.js';
import { safeUrl } from '../log/logger.js';
import { CLEAN_TEXT, LIMITS } from './buddy-json/limits.js';

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
  const limit = issue.params.limit as number;
  switch (issue.keyword) {
    case 'required':
      return `"${field ? `${field}.` : ''}${String(issue.params.missingProperty)}" is required.`;
    case 'enum':
      return `${where} must be one of: ${(issue.params.allowedValues as unknown[]).join(', ')}.`;
    case 'type':
      return `${where} must be ${String(issue.params.type).replace(/,/g, ' or ')}.`;
    case 'anyOf':
      return `${where} has the wrong type.`;
    case 'maxLength':
      return `${where} must be at most ${limit} characters${fileHint(issue)}.`;
    case 'minLength':
      return `${where} must be at least ${limit} character${limit === 1 ? '' : 's'}.`;
    case 'maxItems':
      return `${where} may have at most ${limit} items.`;
    case 'maxProperties':
      return `${where} may have at most ${limit} fields.`;
    case 'maximum':
      return `${where} must be at most ${limit}.`;
    case 'minimum':
      return `${where} must be at least ${limit}.`;
    case 'pattern':
      return issue.params.pattern === CLEAN_TEXT
        ? `${where} must not contain NUL characters or unpaired UTF-16 surrogates.`
        : `${where} ${issue.message ?? 'is not valid'}.`;
    default:
      return `${where} ${issue.message ?? 'is not valid'}.`;
  }
}

/** A variable's `value` over the plain limit: say that a FILE variable may hold more. */
const fileHint = (issue: SchemaIssue) =>
  /(^|\/)value$/.test(issue.instancePath) && issue.params.limit === LIMITS.value
    ? ` (${LIMITS.fileValue} for a variable sent with "type": "FILE")`
    : '';

export function errorBody(message: string) {
  return { errors: [{ message }] };
}

/**
 * Fastify's own 4xx errors in words a client can act on. None repeats the request's path or body: a long path or
 * body would come back whole (or, in a log viewer, be taken for the server's own words).
 */
const FRAMEWORK_MESSAGES: Record<string, string> = {
  FST_ERR_BAD_URL: 'The request path is not valid: a %-escape in it does not decode to UTF-8 text.',
  FST_ERR_MAX_PARAM_LENGTH: `A segment of the request path is longer than ${LIMITS.name} characters.`,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'The request body must be JSON, sent with "Content-Type: application/json".',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is empty; send a JSON object (at least {}).',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'The request body does not have the length its Content-Length header says.',
};
const INVALID_JSON = 'The request body is not valid JSON';

/** A body limit in words: 1 MiB, 5 MiB, 64 KiB. */
const bytesInWords = (n: number) =>
  n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${Math.ceil(n / 1024)} KiB`;

/** The message of a framework error with a 4xx status; a body too large names the limit of its route. */
function frameworkMessage(error: FastifyError | Error, request: FastifyRequest): string {
  const code = (error as FastifyError).code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return `The request body is larger than the limit of ${bytesInWords(request.routeOptions.bodyLimit ?? 1024 * 1024)}.`;
  const known = code === undefined ? undefined : FRAMEWORK_MESSAGES[code];
  if (known) return known;
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY')
    return `${INVALID_JSON} (the keys "__proto__" and "constructor" are refused too).`;
  // secure-json-parse and JSON.parse throw SyntaxErrors: V8's names the place (with a short excerpt).
  if (error instanceof SyntaxError) return `${INVALID_JSON}: ${error.message.slice(0, 200)}`;
  return error.message.slice(0, 500);
}

/** Errors Fastify raises before a route is found (a path that does not decode, a path segment too long). */
export function handleFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  void reply
    .status(status)
    .type('application/json')
    .send(errorBody(frameworkMessage(error, request)));
}

/** The status line and envelope for a request Node's HTTP parser refused (it never reaches Fastify). */
export function clientErrorResponse(error: NodeJS.ErrnoException): string {
  const [status, reason, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'The request headers are larger than the server accepts.']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'The request was not received in time.']
        : [400, 'Bad Request', 'The request is not valid HTTP.'];
  const body = JSON.stringify(errorBody(message));
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`;
}

/** The 404 of a request no route matched, naming its method and path (not its query, which may hold a token). */
export function noSuchEndpoint(request: FastifyRequest): NotFoundError {
  const path = safeUrl(request.url).split('?')[0] ?? '';
  return new NotFoundError(
    `No such endpoint: ${request.method} ${path.length > 200 ? `${path.slice(0, 200)}…` : path}`,
  );
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
    void reply
      .status(status)
      .type('application/json')
      .send(errorBody(frameworkMessage(error, request)));
    return;
  }
  request.log.error({ err: error }, 'unhandled error');
  void reply
    .status(500)
    .type('application/json')
    .send(errorBody('Internal server error; the server log has the details.'));
}
