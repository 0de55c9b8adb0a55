import { pino, type Logger } from 'pino';

/** Paths pino blanks in every log line: credentials in requests, bodies and objects we log. */
export const REDACT_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'req.query.access_token',
  '*.password', '*.custom_repo_pass', '*.token', '*.secret_key', '*.access_key', '*.api_key', '*.value',
  'password', 'token', 'authorization',
];

export function createLogger(opts: { level: string; destination?: NodeJS.WritableStream }): Logger {
  return pino({ level: opts.level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, opts.destination as pino.DestinationStream | undefined);
}
