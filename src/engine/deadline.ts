import { BuildError } from '../domain/errors.js';

/**
 * One signal for "stop the build": the caller's cancel or the action's timeout. `reasonOf` turns whatever
 * a stopped build threw into the sentence for the reason it stopped (cancel and timeout win over the error
 * the killed process produced).
 */
export function withDeadline(cancel: AbortSignal | undefined, timeoutMs: number | null) {
  const timeout = new AbortController();
  const timer = timeoutMs === null ? undefined : setTimeout(() => timeout.abort(), timeoutMs);
  const signal = cancel ? AbortSignal.any([cancel, timeout.signal]) : timeout.signal;
  return {
    signal,
    stop: () => clearTimeout(timer),
    reasonOf: (error: unknown): unknown => {
      if (timeout.signal.aborted) {
        return new BuildError(
          'TIMEOUT',
          `The build took longer than its timeout of ${Math.round((timeoutMs ?? 0) / 1000)} s and was stopped.`,
          { cause: error },
        );
      }
      if (cancel?.aborted) return new BuildError('CANCELLED', 'The build was cancelled.', { cause: error });
      return error;
    },
  };
}
