import type { ExecutionStatus } from './execution-status.js';

export const CACHE_SCOPES = ['WORKSPACE', 'PROJECT', 'PIPELINE'] as const;
export type CacheScope = (typeof CACHE_SCOPES)[number];
export const PRIORITIES = ['LOW', 'NORMAL', 'HIGH'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const EVENT_TYPES = [
  'PUSH',
  'SCHEDULE',
  'CREATE_REF',
  'DELETE_REF',
  'PULL_REQUEST',
  'WEBHOOK',
  'EMAIL',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** One trigger of the current model; the legacy and v1.1 trigger fields are translated into these. */
export interface PipelineEvent {
  type: EventType;
  refs: string[];
  /** Everything else the event carries (cron, start date, delay, timezone, PR events, ...), as given. */
  details: Record<string, unknown>;
}

/** A trigger condition, kept as given; evaluated when executions run. */
export type TriggerCondition = Record<string, unknown>;

export interface Pipeline {
  id: number;
  projectId: number;
  name: string;
  identifier: string;
  createdAt: Date;
  creatorId: number;
  cacheScope: CacheScope;
  priority: Priority;
  disabled: boolean;
  refs: string[];
  events: PipelineEvent[];
  triggerConditions: TriggerCondition[];
  /** Options Archway stores and returns but does not act on (yet), keyed as the client sent them. */
  options: Record<string, unknown>;
  /** The WEBHOOK trigger's token, sealed (owner: the workspace, field `pipeline.webhook-token`); null until needed. */
  webhookTokenSealed: string | null;
  lastExecutionStatus: ExecutionStatus;
  lastExecutionRevision: string | null;
}
