import { ValidationError } from './errors.js';

/** Buddy's handle rule for workspace domains, project names and pipeline identifiers. */
const HANDLE = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?$/;

export function assertHandle(field: string, value: string, maxLength = 100): void {
  if (value.length === 0 || value.length > maxLength || !HANDLE.test(value)) {
    throw new ValidationError(
      `"${field}" must be 1-${maxLength} letters, digits, "_" or "-", not starting or ending with "-" (got "${value}").`,
    );
  }
}

/** "Company Website" -> "company-website", the way Buddy derives a project name from its display name. */
export function handleFromDisplayName(displayName: string): string {
  return displayName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100)
    .replace(/-+$/g, '');
}
