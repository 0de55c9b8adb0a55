/** Buddy's token scopes (Go SDK, 2026). */
export const SCOPES = [
  'WORKSPACE',
  'WORKSPACES_MANAGE',
  'PROJECT_DELETE',
  'REPOSITORY_READ',
  'REPOSITORY_WRITE',
  'EXECUTION_INFO',
  'EXECUTION_RUN',
  'EXECUTION_MANAGE',
  'ENVIRONMENT_INFO',
  'ENVIRONMENT_ADD',
  'ENVIRONMENT_MANAGE',
  'ZONE_READ',
  'ZONE_WRITE',
  'ZONE_MANAGE',
  'TARGET_INFO',
  'TARGET_ADD',
  'TARGET_MANAGE',
  'USER_INFO',
  'USER_KEY',
  'USER_EMAIL',
  'INTEGRATION_INFO',
  'INTEGRATION_ADD',
  'INTEGRATION_MANAGE',
  'MEMBER_EMAIL',
  'MANAGE_EMAILS',
  'WEBHOOK_INFO',
  'WEBHOOK_ADD',
  'WEBHOOK_MANAGE',
  'VARIABLE_ADD',
  'VARIABLE_INFO',
  'VARIABLE_MANAGE',
  'TOKEN_INFO',
  'TOKEN_MANAGE',
] as const;
export type Scope = (typeof SCOPES)[number];

/** A scope on the left also grants the scopes on the right (MANAGE includes RUN/ADD includes INFO). */
const IMPLIES: Partial<Record<Scope, readonly Scope[]>> = {
  EXECUTION_MANAGE: ['EXECUTION_RUN', 'EXECUTION_INFO'],
  EXECUTION_RUN: ['EXECUTION_INFO'],
  ENVIRONMENT_MANAGE: ['ENVIRONMENT_ADD', 'ENVIRONMENT_INFO'],
  ENVIRONMENT_ADD: ['ENVIRONMENT_INFO'],
  ZONE_MANAGE: ['ZONE_WRITE', 'ZONE_READ'],
  ZONE_WRITE: ['ZONE_READ'],
  TARGET_MANAGE: ['TARGET_ADD', 'TARGET_INFO'],
  TARGET_ADD: ['TARGET_INFO'],
  INTEGRATION_MANAGE: ['INTEGRATION_ADD', 'INTEGRATION_INFO'],
  INTEGRATION_ADD: ['INTEGRATION_INFO'],
  WEBHOOK_MANAGE: ['WEBHOOK_ADD', 'WEBHOOK_INFO'],
  WEBHOOK_ADD: ['WEBHOOK_INFO'],
  VARIABLE_MANAGE: ['VARIABLE_ADD', 'VARIABLE_INFO'],
  VARIABLE_ADD: ['VARIABLE_INFO'],
  TOKEN_MANAGE: ['TOKEN_INFO'],
  REPOSITORY_WRITE: ['REPOSITORY_READ'],
  WORKSPACES_MANAGE: ['WORKSPACE'],
};

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

export function grants(held: readonly Scope[], required: Scope): boolean {
  return held.some((scope) => scope === required || (IMPLIES[scope] ?? []).includes(required));
}
