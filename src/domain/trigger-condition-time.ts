/** Day and hour lists of the DATETIME, DAY and HOUR trigger conditions, and the wall clock of a time zone. */

const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;
const WEEKDAY_NUMBERS: Readonly<Record<string, number>> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export const DAYS = { field: 'trigger_days', min: 1, max: 7, what: 'days 1-7 (1 = Monday, 7 = Sunday)' } as const;
export const HOURS = { field: 'trigger_hours', min: 0, max: 23, what: 'hours 0-23' } as const;
type ListSpec = typeof DAYS | typeof HOURS;

/** An absent or null list is an empty one (clients echo `null` for an unset field). */
function absent(value: unknown): boolean {
  return value === undefined || value === null;
}

/** Why the condition's day or hour list is malformed, or null; `required` lists must also be non-empty. */
export function invalidList(
  c: Readonly<Record<string, unknown>>,
  spec: ListSpec,
  type: string,
  required: boolean,
): string | null {
  const value = c[spec.field];
  const message = `"${spec.field}" of ${type} must hold ${spec.what}.`;
  if (absent(value)) return required ? message : null;
  if (!Array.isArray(value) || (required && value.length === 0)) return message;
  const fits = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= spec.min && n <= spec.max;
  return value.every(fits) ? null : message;
}

/** The list of a validated condition. */
export function listOf(c: Readonly<Record<string, unknown>>, spec: ListSpec): readonly number[] {
  const value = c[spec.field];
  return Array.isArray(value) ? value.filter((n): n is number => typeof n === 'number') : [];
}

/** `timezone` wins over the older `zone_id`; neither (or an empty one) means UTC. */
export function zoneOf(c: Readonly<Record<string, unknown>>): unknown {
  for (const value of [c['timezone'], c['zone_id']]) if (!absent(value) && value !== '') return value;
  return 'UTC';
}

function wallClockFormat(zone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
}

/** Why the condition's time zone is not an IANA zone this runtime knows, or null. */
export function invalidZone(c: Readonly<Record<string, unknown>>, type: string): string | null {
  const zone = zoneOf(c);
  if (typeof zone !== 'string') return `"timezone" of trigger condition ${type} must be an IANA time zone name.`;
  try {
    wallClockFormat(zone);
    return null;
  } catch {
    return `Unknown time zone ${JSON.stringify(zone)} in trigger condition ${type}.`;
  }
}

interface WallClock {
  /** 1 = Monday ... 7 = Sunday, as in `trigger_days`. */
  day: number;
  hour: number;
  minute: number;
}

/** The weekday and time `now` shows in `zone` (a zone invalidZone accepted). */
function wallClock(now: Date, zone: string): WallClock {
  const parts = wallClockFormat(zone).formatToParts(now);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return { day: WEEKDAY_NUMBERS[part('weekday')] ?? 0, hour: Number(part('hour')), minute: Number(part('minute')) };
}

/** "Sunday 01:30 in Europe/London", for the execution log. */
function describeWallClock(clock: WallClock, zone: string): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${DAY_NAMES[clock.day - 1] ?? '?'} ${pad(clock.hour)}:${pad(clock.minute)} in ${zone}`;
}

/**
 * Why `now`, read in the condition's zone, falls outside `days` or `hours`, or null when it falls inside; an empty
 * list does not restrict. Across a DST change the zone's wall clock is what counts: an hour the clocks skip holds no
 * instant, an hour they repeat holds two.
 */
export function outsideDaysAndHours(
  c: Readonly<Record<string, unknown>>,
  now: Date,
  days: readonly number[],
  hours: readonly number[],
): string | null {
  const zone = String(zoneOf(c));
  const clock = wallClock(now, zone);
  if ((days.length && !days.includes(clock.day)) || (hours.length && !hours.includes(clock.hour)))
    return `it is ${describeWallClock(clock, zone)}`;
  return null;
}

/** "days 6,7; hours 9,17; Europe/London", for the execution log. */
export function describeDaysAndHours(
  c: Readonly<Record<string, unknown>>,
  days: readonly number[],
  hours: readonly number[],
): string {
  const parts = [days.length ? `days ${days.join(',')}` : '', hours.length ? `hours ${hours.join(',')}` : ''];
  return [...parts.filter(Boolean), String(zoneOf(c))].join('; ');
}
