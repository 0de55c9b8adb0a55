import { Cron } from 'croner';
import type { PipelineEvent } from './pipeline.js';

/**
 * When a SCHEDULE event runs its pipeline: a 5-field cron in an IANA time zone (croner computes the ticks, DST
 * included), or Buddy's older `start_date` + `delay` form (every `delay` minutes from `start_date`).
 */
export type Schedule =
  { kind: 'cron'; cron: string; timezone: string } | { kind: 'interval'; start: Date; delayMinutes: number };

/** Longest `delay` accepted: one year of minutes. */
const MAX_DELAY_MINUTES = 525_600;

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The schedule a SCHEDULE event describes, or a sentence saying what is wrong with it. */
export function scheduleOf(event: PipelineEvent): Schedule | { error: string } {
  const { cron, timezone, start_date: startDate, delay } = event.details;
  const zone = timezone ?? 'UTC';
  if (typeof zone !== 'string' || !isTimeZone(zone))
    return {
      error: `"timezone" of the SCHEDULE event must be an IANA time zone such as Europe/Warsaw (got ${JSON.stringify(zone)}).`,
    };
  if (cron !== undefined && cron !== null) {
    if (typeof cron !== 'string' || cron.trim().split(/\s+/).length !== 5)
      return {
        error: `"cron" of the SCHEDULE event must have 5 fields (minute hour day-of-month month day-of-week), e.g. "0 3 * * 1-5" (got ${JSON.stringify(cron)}).`,
      };
    try {
      if (!new Cron(cron.trim(), { timezone: zone, paused: true }).nextRun())
        return { error: `"cron" of the SCHEDULE event names no date that comes (${JSON.stringify(cron)}).` };
    } catch (error) {
      return {
        error: `"cron" of the SCHEDULE event is not valid (${JSON.stringify(cron)}): ${(error as Error).message}.`,
      };
    }
    return { kind: 'cron', cron: cron.trim().replace(/\s+/g, ' '), timezone: zone };
  }
  if (startDate === undefined && delay === undefined)
    return { error: 'A SCHEDULE event needs "cron" (with an optional "timezone"), or "start_date" and "delay".' };
  const start = typeof startDate === 'string' ? new Date(startDate) : new Date(NaN);
  if (Number.isNaN(start.getTime()))
    return { error: `"start_date" of the SCHEDULE event must be an ISO-8601 date (got ${JSON.stringify(startDate)}).` };
  if (typeof delay !== 'number' || !Number.isInteger(delay) || delay < 1 || delay > MAX_DELAY_MINUTES)
    return {
      error: `"delay" of the SCHEDULE event must be whole minutes from 1 to ${MAX_DELAY_MINUTES} (got ${JSON.stringify(delay)}).`,
    };
  return { kind: 'interval', start, delayMinutes: delay };
}

/** The first tick strictly after `after`, or null when there is none (a cron that names no real date). */
export function nextTick(schedule: Schedule, after: Date): Date | null {
  if (schedule.kind === 'cron') {
    return new Cron(schedule.cron, { timezone: schedule.timezone, paused: true }).nextRun(after);
  }
  const step = schedule.delayMinutes * 60_000;
  const start = schedule.start.getTime();
  if (after.getTime() < start) return new Date(start);
  return new Date(start + (Math.floor((after.getTime() - start) / step) + 1) * step);
}

/** A stable text for a schedule: the key of its state in the store (an edited schedule starts afresh). */
export function scheduleKey(schedule: Schedule): string {
  return schedule.kind === 'cron'
    ? `cron ${schedule.cron} ${schedule.timezone}`
    : `every ${schedule.delayMinutes} min from ${schedule.start.toISOString()}`;
}
