import { ValidationError } from '../domain/errors.js';
import type { SealOwner, Secrets } from './ports/secrets.js';

/** The fields that hold sealed values, each its own owner within a workspace. */
export type SealedField =
  | 'project.repo-password'
  | 'action.password'
  | 'action.variable'
  | 'variable'
  | 'integration.secret'
  | 'execution.variable'
  | 'pipeline.webhook-token'
  | 'project.webhook-secret';

export const ownerIn = (workspaceId: number, field: SealedField): SealOwner => `ws:${workspaceId}:${field}`;
export const jobOwner = (actionExecutionId: number): SealOwner => `job:${actionExecutionId}`;

/**
 * What to store for a secret a client sent: its plain text is sealed for `owner`; a sealed value it echoes back is
 * kept when it is the one stored there (`previous`) or opens for this owner, and refused (400) otherwise, never
 * stored as literal text. An unbound value from before owners existed is kept only where it is stored already.
 */
export function sealFromClient(secrets: Secrets, value: string, owner: SealOwner, previous?: string | null): string {
  if (!secrets.isSealed(value)) return secrets.seal(value, owner);
  if (value === previous) return value;
  if (secrets.isUnbound(value))
    throw new ValidationError(
      'This encrypted value was made before encrypted values were bound to their place; send the plain value instead.',
    );
  secrets.open(value, owner);
  return value;
}
