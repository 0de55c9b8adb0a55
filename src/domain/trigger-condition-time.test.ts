import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateTriggerConditions, type ConditionContext } from './trigger-conditions.js';

type Condition = Record<string, unknown>;

const ALL_DAYS = [1, 2, 3, 4, 5, 6, 7];
const ALL_HOURS = Array.from({ length: 24 }, (_, h) => h);

const run = (conditions: Condition[], over: Partial<ConditionContext> = {}) =>
  evaluateTriggerConditions(conditions, {
    changedFiles: null,
    variables: new Map(),
    now: new Date('2026-03-02T12:00:00Z'), // a Monday
    triggeringUserEmail: null,
    lastStatusOf: () => null,
    ...over,
  });
const holds = (condition: Condition, over: Partial<ConditionContext> = {}) => run([condition], over).pass;
const reason = (conditions: Condition[], over: Partial<ConditionContext> = {}) => {
  const result = run(conditions, over);
  return result.pass ? null : result.reason;
};

describe('DATETIME, DAY and HOUR', () => {
  const at = (iso: string) => ({ now: new Date(iso) });
  const dt = (fields: Condition) => ({ trigger_condition: 'DATETIME', ...fields });

  it('reads the day and hour in UTC by default', () => {
    expect(holds(dt({ trigger_days: [1], trigger_hours: [12] }))).toBe(true);
    expect(holds(dt({ trigger_days: [1] }))).toBe(true);
    expect(holds(dt({ trigger_hours: [12, 13] }))).toBe(true);
    expect(holds(dt({ trigger_days: [2, 3] }))).toBe(false);
    expect(reason([dt({ trigger_days: [1], trigger_hours: [13] })])).toBe(
      'Trigger condition DATETIME (days 1; hours 13; UTC) did not hold: it is Monday 12:00 in UTC.',
    );
  });

  it('reads them in the zone, where the day may differ from UTC', () => {
    // 03:00 UTC on Monday 2 March 2026 is 19:00 PST on Sunday 1 March.
    const sundayEvening = at('2026-03-02T03:00:00Z');
    const la = { timezone: 'America/Los_Angeles' };
    expect(holds(dt({ ...la, trigger_days: [7], trigger_hours: [19] }), sundayEvening)).toBe(true);
    expect(holds(dt({ trigger_days: [1], trigger_hours: [3] }), sundayEvening)).toBe(true);
    expect(reason([dt({ ...la, trigger_days: [1] })], sundayEvening)).toBe(
      'Trigger condition DATETIME (days 1; America/Los_Angeles) did not hold: it is Sunday 19:00 in America/Los_Angeles.',
    );
  });

  it('follows the zone across DST changes', () => {
    const london = (hours: number[]) => dt({ timezone: 'Europe/London', trigger_days: [7], trigger_hours: hours });
    // 29 March 2026: clocks go from 01:00 GMT to 02:00 BST at 01:00 UTC.
    expect(holds(london([0]), at('2026-03-29T00:30:00Z'))).toBe(true);
    expect(holds(london([2]), at('2026-03-29T01:30:00Z'))).toBe(true);
    expect(holds(london([1]), at('2026-03-29T01:30:00Z'))).toBe(false);
    const quarterHours = Array.from({ length: 96 }, (_, i) => new Date(Date.UTC(2026, 2, 28, 12) + i * 900_000));
    expect(quarterHours.filter((now) => holds(london([1]), { now }))).toEqual([]);
    // 25 October 2026: 01:00-02:00 BST and then 01:00-02:00 GMT again.
    expect(holds(london([1]), at('2026-10-25T00:30:00Z'))).toBe(true);
    expect(holds(london([1]), at('2026-10-25T01:30:00Z'))).toBe(true);
    expect(holds(london([0]), at('2026-10-24T23:30:00Z'))).toBe(true);
  });

  it('falls back to zone_id; timezone wins over it', () => {
    const sundayEvening = at('2026-03-02T03:00:00Z');
    expect(holds(dt({ zone_id: 'America/Los_Angeles', trigger_days: [7] }), sundayEvening)).toBe(true);
    expect(holds(dt({ timezone: '', zone_id: 'America/Los_Angeles', trigger_days: [7] }), sundayEvening)).toBe(true);
    expect(holds(dt({ timezone: 'UTC', zone_id: 'America/Los_Angeles', trigger_days: [7] }), sundayEvening)).toBe(
      false,
    );
  });

  it('DAY uses only the days and HOUR only the hours', () => {
    expect(holds({ trigger_condition: 'DAY', trigger_days: [1], trigger_hours: [3] })).toBe(true);
    expect(holds({ trigger_condition: 'DAY', trigger_days: [7] })).toBe(false);
    expect(holds({ trigger_condition: 'HOUR', trigger_hours: [12], trigger_days: [3] })).toBe(true);
    expect(reason([{ trigger_condition: 'HOUR', trigger_hours: [8, 9], timezone: 'Asia/Tokyo' }])).toBe(
      'Trigger condition HOUR (hours 8,9; Asia/Tokyo) did not hold: it is Monday 21:00 in Asia/Tokyo.',
    );
  });

  const zones = fc.constantFrom('UTC', 'Europe/London', 'America/Los_Angeles', 'Asia/Kolkata', 'Pacific/Chatham');
  const dates = fc.date({
    min: new Date('1970-01-01T00:00:00Z'),
    max: new Date('2100-01-01T00:00:00Z'),
    noInvalidDate: true,
  });

  it('with all 7 days and all 24 hours always holds', () => {
    fc.assert(
      fc.property(zones, dates, (timezone, now) =>
        holds(dt({ timezone, trigger_days: ALL_DAYS, trigger_hours: ALL_HOURS }), { now }),
      ),
    );
  });

  it('exactly one day and exactly one hour hold at any instant', () => {
    fc.assert(
      fc.property(zones, dates, (timezone, now) => {
        const dayHits = ALL_DAYS.filter((d) =>
          holds({ trigger_condition: 'DAY', trigger_days: [d], timezone }, { now }),
        );
        const hourHits = ALL_HOURS.filter((h) =>
          holds({ trigger_condition: 'HOUR', trigger_hours: [h], timezone }, { now }),
        );
        return dayHits.length === 1 && hourHits.length === 1;
      }),
    );
  });
});
