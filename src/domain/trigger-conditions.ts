import { invalidPaths, someFileMatches } from './trigger-condition-paths.js';
import {
  DAYS,
  describeDaysAndHours,
  HOURS,
  invalidList,
  invalidZone,
  listOf,
  outsideDaysAndHours,
} from './trigger-condition-time.js';

/**
 * What an execution's trigger conditions are evaluated against. The caller gathers it first (see needsChangedFiles
 * and pipelinesToLookUp), so evaluation stays synchronous and pure.
 */
export interface ConditionContext {
  /** Files changed since the pipeline's last successful run (repository-relative paths, forward slashes), or null when there is no such run. */
  changedFiles: readonly string[] | null;
  /** The run's resolved variables, BUDDY_* ones included. */
  variables: ReadonlyMap<string, string>;
  now: Date;
  /** Null for schedule and webhook triggers. */
  triggeringUserEmail: string | null;
  /** The status of the last execution of that pipeline, or null when there is no such pipeline or run. */
  lastStatusOf(projectName: string, pipelineName: string): string | null;
}

type Condition = Readonly<Record<string, unknown>>;

interface ConditionKind {
  /** Why the condition is malformed, or null. */
  invalid(c: Condition, type: string): string | null;
  /** Why the condition does not hold, or null when it holds. */
  failure(c: Condition, ctx: ConditionContext): string | null;
  /** The condition's settings for the execution log ('' for none). */
  summary(c: Condition): string;
  needs?: 'changedFiles' | 'lastStatus';
}

const text = (c: Condition, field: string): string => {
  const value = c[field];
  return typeof value === 'string' ? value : '';
};

const absent = (value: unknown) => value === undefined || value === null;
const notBlank = (s: string) => s.trim() !== '';

function invalidText(c: Condition, field: string, type: string, what: string, ok = notBlank): string | null {
  const value = c[field];
  return typeof value === 'string' && ok(value) ? null : `"${field}" of ${type} must be ${what}.`;
}

const paths = (c: Condition): string[] =>
  (Array.isArray(c['trigger_condition_paths']) ? c['trigger_condition_paths'] : []).filter(
    (p): p is string => typeof p === 'string',
  );

/**
 * A variable that is not defined counts as "", as `$X` expands to nothing in a shell: `VAR_IS ""` holds for it and
 * `VAR_CONTAINS` never does. The value may be omitted (meaning "") for the IS kinds; CONTAINS needs a non-empty one.
 * Logs name the expected value only; the actual one may be a secret.
 */
function variableKind(
  op: string,
  clause: string,
  valueRequired: boolean,
  holds: (actual: string, expected: string) => boolean,
): ConditionKind {
  const value = (c: Condition) => text(c, 'trigger_variable_value');
  return {
    invalid: (c, type) =>
      invalidText(c, 'trigger_variable_key', type, 'the name of a variable', (s) => /^\S+$/.test(s)) ??
      (valueRequired
        ? invalidText(c, 'trigger_variable_value', type, 'a non-empty string', (s) => s !== '')
        : absent(c['trigger_variable_value'])
          ? null
          : invalidText(c, 'trigger_variable_value', type, 'a string', () => true)),
    failure: (c, ctx) => {
      const key = text(c, 'trigger_variable_key');
      const actual = ctx.variables.get(key);
      if (holds(actual ?? '', value(c))) return null;
      const why = `$${key} ${clause} ${JSON.stringify(value(c))}`;
      return actual === undefined ? `${why} ($${key} is not defined, which counts as "")` : why;
    },
    summary: (c) => `$${text(c, 'trigger_variable_key')} ${op} ${JSON.stringify(value(c))}`,
  };
}

function timeKind(useDays: boolean, useHours: boolean): ConditionKind {
  const days = (c: Condition) => (useDays ? listOf(c, DAYS) : []);
  const hours = (c: Condition) => (useHours ? listOf(c, HOURS) : []);
  return {
    invalid: (c, type) => {
      const bad =
        (useDays && invalidList(c, DAYS, type, !useHours)) || (useHours && invalidList(c, HOURS, type, !useDays));
      if (bad) return bad;
      if (days(c).length === 0 && hours(c).length === 0)
        return `Trigger condition ${type} needs a non-empty "trigger_days" or "trigger_hours".`;
      return invalidZone(c, type);
    },
    failure: (c, ctx) => outsideDaysAndHours(c, ctx.now, days(c), hours(c)),
    summary: (c) => describeDaysAndHours(c, days(c), hours(c)),
  };
}

const sameEmail = (c: Condition, ctx: ConditionContext) =>
  ctx.triggeringUserEmail !== null &&
  ctx.triggeringUserEmail.trim().toLowerCase() === text(c, 'trigger_user').trim().toLowerCase();

const triggeredBy = (ctx: ConditionContext) =>
  ctx.triggeringUserEmail === null
    ? 'no user triggered the run'
    : `the run was triggered by ${ctx.triggeringUserEmail}`;

const EMAIL = /^\s*[^\s@]+@[^\s@]+\s*$/;

/** Buddy's condition types that Archway evaluates; every other one is refused when a pipeline or action is saved. */
const KINDS: Readonly<Record<string, ConditionKind>> = {
  ALWAYS: { invalid: () => null, failure: () => null, summary: () => '' },
  ON_CHANGE: {
    needs: 'changedFiles',
    invalid: () => null,
    failure: (_c, ctx) =>
      ctx.changedFiles === null || ctx.changedFiles.length > 0 ? null : 'no file changed since the last successful run',
    summary: () => '',
  },
  ON_CHANGE_AT_PATH: {
    needs: 'changedFiles',
    invalid: (c, type) => invalidPaths(c['trigger_condition_paths'], type),
    failure: (c, ctx) =>
      ctx.changedFiles === null || someFileMatches(paths(c), ctx.changedFiles) ? null : 'no changed file matches',
    summary: (c) => paths(c).join(', '),
  },
  VAR_IS: variableKind('=', 'is not', false, (actual, expected) => actual === expected),
  VAR_IS_NOT: variableKind('!=', 'is', false, (actual, expected) => actual !== expected),
  VAR_CONTAINS: variableKind('contains', 'does not contain', true, (actual, expected) => actual.includes(expected)),
  VAR_NOT_CONTAINS: variableKind(
    'does not contain',
    'contains',
    true,
    (actual, expected) => !actual.includes(expected),
  ),
  DATETIME: timeKind(true, true),
  DAY: timeKind(true, false),
  HOUR: timeKind(false, true),
  SUCCESS_PIPELINE: {
    needs: 'lastStatus',
    invalid: (c, type) =>
      invalidText(c, 'trigger_project_name', type, 'the name of a project') ??
      invalidText(c, 'trigger_pipeline_name', type, 'the name of a pipeline'),
    failure: (c, ctx) => {
      const status = ctx.lastStatusOf(text(c, 'trigger_project_name'), text(c, 'trigger_pipeline_name'));
      if (status === 'SUCCESSFUL') return null;
      return status === null ? 'that pipeline does not exist or has not run' : `its last execution is ${status}`;
    },
    summary: (c) => `${text(c, 'trigger_project_name')}/${text(c, 'trigger_pipeline_name')}`,
  },
  TRIGGERING_USER_IS: {
    invalid: (c, type) => invalidText(c, 'trigger_user', type, 'the email of a user', (s) => EMAIL.test(s)),
    failure: (c, ctx) => (sameEmail(c, ctx) ? null : triggeredBy(ctx)),
    summary: (c) => text(c, 'trigger_user'),
  },
  TRIGGERING_USER_IS_NOT: {
    invalid: (c, type) => invalidText(c, 'trigger_user', type, 'the email of a user', (s) => EMAIL.test(s)),
    failure: (c, ctx) => (sameEmail(c, ctx) ? triggeredBy(ctx) : null),
    summary: (c) => text(c, 'trigger_user'),
  },
};

export const EVALUATED_CONDITIONS: readonly string[] = Object.freeze(Object.keys(KINDS));

function kindOf(c: unknown): { type: string; kind: ConditionKind } | string {
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return 'Every trigger condition must be an object.';
  const type: unknown = (c as Condition)['trigger_condition'];
  const choices = `use one of: ${EVALUATED_CONDITIONS.join(', ')}`;
  if (typeof type !== 'string' || type === '') return `Every trigger condition needs "trigger_condition"; ${choices}.`;
  const kind = Object.hasOwn(KINDS, type) ? KINDS[type] : undefined;
  if (!kind) return `Trigger condition ${JSON.stringify(type.slice(0, 100))} is not evaluated by Archway; ${choices}.`;
  return { type, kind };
}

/** Why one condition cannot be evaluated, or its kind. */
function checked(c: unknown): { type: string; kind: ConditionKind } | string {
  const found = kindOf(c);
  if (typeof found === 'string') return found;
  return found.kind.invalid(c as Condition, found.type) ?? found;
}

/**
 * Validates a list as a request sends it (pipeline or action `trigger_conditions`). Returns null when valid, else a
 * sentence naming the offending condition and field.
 */
export function invalidTriggerCondition(conditions: readonly Record<string, unknown>[]): string | null {
  for (const c of conditions) {
    const found = checked(c);
    if (typeof found === 'string') return found;
  }
  return null;
}

/**
 * Evaluates conditions (all must hold), in order, stopping at the first that does not. A condition stored before
 * validation refused it does not hold (the run is skipped with the reason) rather than failing the caller.
 */
export function evaluateTriggerConditions(
  conditions: readonly Record<string, unknown>[],
  ctx: ConditionContext,
): { pass: true } | { pass: false; reason: string } {
  for (const c of conditions) {
    const found = checked(c);
    if (typeof found === 'string') return { pass: false, reason: `Trigger conditions cannot be evaluated: ${found}` };
    const why = found.kind.failure(c, ctx);
    if (why === null) continue;
    const summary = found.kind.summary(c);
    return {
      pass: false,
      reason: `Trigger condition ${found.type}${summary ? ` (${summary})` : ''} did not hold: ${why}.`,
    };
  }
  return { pass: true };
}

function needs(conditions: readonly Record<string, unknown>[], what: ConditionKind['needs']): Condition[] {
  return conditions.filter((c) => {
    const found = kindOf(c);
    return typeof found !== 'string' && found.kind.needs === what;
  });
}

/** Whether any condition needs ctx.changedFiles (so the caller computes the git diff only when needed). */
export function needsChangedFiles(conditions: readonly Record<string, unknown>[]): boolean {
  return needs(conditions, 'changedFiles').length > 0;
}

/** Whether any condition needs ctx.lastStatusOf. */
export function needsLastStatus(conditions: readonly Record<string, unknown>[]): boolean {
  return needs(conditions, 'lastStatus').length > 0;
}

/** The pipelines whose last status ctx.lastStatusOf will be asked for, without repeats, for the caller to pre-fetch. */
export function pipelinesToLookUp(
  conditions: readonly Record<string, unknown>[],
): { projectName: string; pipelineName: string }[] {
  const seen = new Map<string, { projectName: string; pipelineName: string }>();
  for (const c of needs(conditions, 'lastStatus')) {
    const projectName = text(c, 'trigger_project_name');
    const pipelineName = text(c, 'trigger_pipeline_name');
    seen.set(JSON.stringify([projectName, pipelineName]), { projectName, pipelineName });
  }
  return [...seen.values()];
}
