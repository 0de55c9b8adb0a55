import { posix } from 'node:path';
import { ValidationError } from './errors.js';

/**
 * Normalises a path relative to the repository root: a leading "/" means the root, "." and ".." are resolved,
 * and the result may never leave the root. Returns the path without leading or trailing "/" ("" = the root).
 * Values with `$VARIABLE` references pass through this again after resolution at run time.
 */
export function normaliseRepoPath(field: string, value: string): string {
  if (value.includes('\0')) throw new ValidationError(`"${field}" must not contain NUL bytes.`);
  if (value.includes('\\')) throw new ValidationError(`"${field}" must use "/" as separator (got "${value}").`);
  const relative = value.replace(/^\/+/, '');
  const normalised = relative === '' ? '.' : posix.normalize(relative);
  if (normalised === '..' || normalised.startsWith('../')) {
    throw new ValidationError(`"${field}" must stay inside the repository (got "${value}").`);
  }
  const trimmed = normalised.replace(/\/+$/, '');
  return trimmed === '.' ? '' : trimmed;
}
