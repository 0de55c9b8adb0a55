import { pino, type Logger } from 'pino';

/** Paths pino blanks in every log line: credentials in requests, bodies and objects we log. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.password',
  '*.custom_repo_pass',
  '*.token',
  '*.secret_key',
  '*.access_key',
  '*.api_key',
  'password',
  'token',
  'authorization',
];

/** Strips credentials that may ride in a query string before a URL reaches a log line. */
export const safeUrl = (url: string): string => url.replace(/([?&]access_token=)[^&]*/gi, '$1[redacted]');

export function createLogger(opts: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: opts.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: {
        req: (req: { method: string; url: string; ip?: string }) => ({
          method: req.method,
          url: safeUrl(req.url),
          remoteAddress: req.ip,
        }),
        err: pino.stdSerializers.err,
      },
    },
    opts.destination,
  );
}
