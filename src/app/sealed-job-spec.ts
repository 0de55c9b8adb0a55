import type { JobSpec } from '../domain/job-spec.js';
import type { Secrets } from './ports/secrets.js';
import { jobOwner } from './sealing.js';

/**
 * A job spec holds opened secrets (registry and repository passwords, integration keys, FILE variables, the mask
 * list), so it is sealed whole before it is queued and opened only where it is needed: the claim's answer to the
 * agent and the masking of what the agent sends back. Neither the jobs table, its WAL nor its free pages ever see
 * the plain text. Sealing and opening a ~2 KB spec costs a few microseconds.
 */
export function sealJobSpec(secrets: Secrets, spec: JobSpec): string {
  return secrets.seal(JSON.stringify(spec), jobOwner(spec.actionExecutionId));
}

/** Opens a sealed spec; a plain JSON one was queued by a version before sealing, and is read as it is. */
export function openJobSpec(secrets: Secrets, sealed: string, actionExecutionId: number): JobSpec {
  return JSON.parse(sealed.startsWith('{') ? sealed : secrets.open(sealed, jobOwner(actionExecutionId))) as JobSpec;
}
