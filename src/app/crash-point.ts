import { ConfigError } from '../domain/errors.js';

/**
 * The step boundaries of the execution state machine and of the trigger loops: each is right after one transaction
 * committed and before the next write of the same step. A test arms one (ARCHWAY_CRASH_AT=<name>) and the server kills itself with
 * SIGKILL the first time it gets there, which is how `test/scaled/crash-points.suite.ts` (run on SQLite and on
 * PostgreSQL) shows that a crash at any of them leaves nothing stuck once a server starts again (docs/failures.md).
 * Unarmed, a crash point is one comparison.
 */
export const EXECUTION_CRASH_POINTS = [
  /** The execution row is written (ENQUEUED); the first step has not run. */
  'run.created',
  /** The execution is INPROGRESS; its first action's job is not queued. */
  'execution.started',
  /** An action's job is queued; the agents were not told. */
  'job.queued',
  /** A job is claimed and its action INPROGRESS; the agent has not had the answer. */
  'job.claimed',
  /** A job is DONE with its action's outcome; the next step has not run. */
  'job.finished',
  'part.finished',
  /** An execution has its final status; the pipeline's next waiting run has not been started. */
  'execution.finished',
  /** A cancel dropped the queued jobs and flagged the running ones; the execution has not ended. */
  'cancel.recorded',
] as const;

/** The trigger loops' boundaries, shown by their own tests (test/triggers/git-crash.test.ts). */
export const TRIGGER_CRASH_POINTS = [
  /** A ref's move started its pipelines' runs; the move is not recorded (the next poll sees it again). */
  'push.runs-started',
] as const;

export const CRASH_POINTS = [...EXECUTION_CRASH_POINTS, ...TRIGGER_CRASH_POINTS] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

let armed: CrashPoint | null = null;

/** Arms one crash point for this process (from ARCHWAY_CRASH_AT); null disarms. An unknown name is refused. */
export function armCrashPoint(name: string | null): void {
  if (name !== null && !(CRASH_POINTS as readonly string[]).includes(name))
    throw new ConfigError(`ARCHWAY_CRASH_AT must be one of ${CRASH_POINTS.join(', ')} (got "${name}").`);
  armed = name as CrashPoint | null;
}

/** Kills this process at once (no cleanup, no flush: as a power cut would) when `name` is the armed point. */
export function crashPoint(name: CrashPoint): void {
  if (armed === name) process.kill(process.pid, 'SIGKILL');
}
