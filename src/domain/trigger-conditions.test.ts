import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  evaluateTriggerConditions,
  EVALUATED_CONDITIONS,
  invalidTriggerCondition,
  needsChangedFiles,
  needsLastStatus,
  pipelinesToLookUp,
  type ConditionContext,
} from './trigger-conditions.js';

type Condition = Record<string, unknown>;

/** A Monday. */
const MONDAY_NOON_UTC = new Date('2026-03-02T12:00:00Z');

const context = (over: Partial<ConditionContext> = {}): ConditionContext => ({
  changedFiles: [],
  variables: new Map(),
  now: MONDAY_NOON_UTC,
  triggeringUserEmail: null,
  lastStatusOf: () => null,
  ...over,
});

const run = (conditions: Condition[], over: Partial<ConditionContext> = {}) =>
  evaluateTriggerConditions(conditions, context(over));
const holds = (condition: Condition, over: Partial<ConditionContext> = {}) => run([condition], over).pass;
const reason = (conditions: Condition[], over: Partial<ConditionContext> = {}) => {
  const result = run(conditions, over);
  return result.pass ? null : result.reason;
};

describe('EVALUATED_CONDITIONS', () => {
  it('lists the supported types', () => {
    expect([...EVALUATED_CONDITIONS].sort()).toEqual(
      [
        'ALWAYS',
        'ON_CHANGE',
        'ON_CHANGE_AT_PATH',
        'VAR_IS',
        'VAR_IS_NOT',
        'VAR_CONTAINS',
        'VAR_NOT_CONTAINS',
        'DATETIME',
        'DAY',
        'HOUR',
        'SUCCESS_PIPELINE',
        'TRIGGERING_USER_IS',
        'TRIGGERING_USER_IS_NOT',
      ].sort(),
    );
  });
});

describe('invalidTriggerCondition', () => {
  const valid: Condition[] = [
    { trigger_condition: 'ALWAYS' },
    { trigger_condition: 'ON_CHANGE' },
    { trigger_condition: 'ON_CHANGE_AT_PATH', trigger_condition_paths: ['src/**', '/docs/'] },
    { trigger_condition: 'VAR_IS', trigger_variable_key: 'ENV', trigger_variable_value: 'prod' },
    { trigger_condition: 'VAR_IS', trigger_variable_key: 'ENV', trigger_variable_value: '' },
    { trigger_condition: 'VAR_IS_NOT', trigger_variable_key: 'ENV' },
    { trigger_condition: 'VAR_CONTAINS', trigger_variable_key: 'ENV', trigger_variable_value: 'pr' },
    { trigger_condition: 'VAR_NOT_CONTAINS', trigger_variable_key: 'ENV', trigger_variable_value: 'pr' },
    { trigger_condition: 'DATETIME', trigger_days: [1, 7], trigger_hours: [0, 23], timezone: 'Europe/London' },
    { trigger_condition: 'DATETIME', trigger_days: [1], trigger_hours: null, zone_id: 'America/Los_Angeles' },
    { trigger_condition: 'DATETIME', trigger_hours: [9], trigger_days: [] },
    { trigger_condition: 'DATETIME', trigger_hours: [9], timezone: 'UTC', zone_id: 'Mars/Olympus' },
    { trigger_condition: 'DAY', trigger_days: [6, 7] },
    { trigger_condition: 'HOUR', trigger_hours: [3] },
    { trigger_condition: 'SUCCESS_PIPELINE', trigger_project_name: 'web', trigger_pipeline_name: 'Build' },
    { trigger_condition: 'TRIGGERING_USER_IS', trigger_user: 'ann@example.com' },
    { trigger_condition: 'TRIGGERING_USER_IS_NOT', trigger_user: 'Bob@Example.com' },
    { trigger_condition: 'ON_CHANGE_AT_PATH', trigger_condition_paths: Array(100).fill('x'.repeat(1000)) },
  ];

  it('accepts every supported condition, the empty list and all of them together', () => {
    for (const c of valid) expect(invalidTriggerCondition([c]), JSON.stringify(c)).toBeNull();
    expect(invalidTriggerCondition([])).toBeNull();
    expect(invalidTriggerCondition(valid)).toBeNull();
  });

  it('refuses the types Archway does not evaluate, naming the type and the supported ones', () => {
    expect(invalidTriggerCondition([{ trigger_condition: 'TRIGGERING_USER_IS_IN_GROUP', trigger_group: 'ops' }])).toBe(
      `Trigger condition "TRIGGERING_USER_IS_IN_GROUP" is not evaluated by Archway; use one of: ${EVALUATED_CONDITIONS.join(', ')}.`,
    );
    for (const type of [
      'VAR_LESS_THAN',
      'VAR_GREATER_THAN_OR_EQUAL',
      'OR',
      'ACTION_STATUS_IS',
      'on_change',
      'ON_CHANGES',
    ])
      expect(invalidTriggerCondition([{ trigger_condition: type }])).toMatch(
        new RegExp(`^Trigger condition "${type}" is not evaluated by Archway; use one of: ALWAYS, ON_CHANGE, `),
      );
    expect(invalidTriggerCondition([{ trigger_condition: 'toString' }])).toContain('"toString" is not evaluated');
  });

  it('refuses a condition without a type', () => {
    expect(invalidTriggerCondition([{}])).toMatch(/^Every trigger condition needs "trigger_condition"; use one of: /);
    expect(invalidTriggerCondition([{ trigger_condition: 5 }])).toMatch(/needs "trigger_condition"/);
    expect(invalidTriggerCondition([null as unknown as Condition])).toBe('Every trigger condition must be an object.');
  });

  const paths = '"trigger_condition_paths" of ON_CHANGE_AT_PATH';
  const hours = (type: string) => `"trigger_hours" of ${type} must hold hours 0-23.`;
  const days = (type: string) => `"trigger_days" of ${type} must hold days 1-7 (1 = Monday, 7 = Sunday).`;
  it.each<[Condition, string]>([
    [{ trigger_condition: 'ON_CHANGE_AT_PATH' }, `${paths} must be a non-empty list of paths.`],
    [
      { trigger_condition: 'ON_CHANGE_AT_PATH', trigger_condition_paths: [] },
      `${paths} must be a non-empty list of paths.`,
    ],
    [
      { trigger_condition: 'ON_CHANGE_AT_PATH', trigger_condition_paths: 'src' },
      `${paths} must be a non-empty list of paths.`,
    ],
    ...[[''], ['  '], [5], ['x'.repeat(1001)]].map((bad): [Condition, string] => [
      { trigger_condition: 'ON_CHANGE_AT_PATH', trigger_condition_paths: bad },
      `${paths} must hold non-empty paths of at most 1000 characters.`,
    ]),
    [
      { trigger_condition: 'ON_CHANGE_AT_PATH', trigger_condition_paths: Array(101).fill('src') },
      `${paths} may hold at most 100 paths.`,
    ],
    [{ trigger_condition: 'VAR_IS' }, '"trigger_variable_key" of VAR_IS must be the name of a variable.'],
    [
      { trigger_condition: 'VAR_IS_NOT', trigger_variable_key: '' },
      '"trigger_variable_key" of VAR_IS_NOT must be the name of a variable.',
    ],
    [
      { trigger_condition: 'VAR_IS', trigger_variable_key: 'A B' },
      '"trigger_variable_key" of VAR_IS must be the name of a variable.',
    ],
    [
      { trigger_condition: 'VAR_IS', trigger_variable_key: 'A', trigger_variable_value: 5 },
      '"trigger_variable_value" of VAR_IS must be a string.',
    ],
    [
      { trigger_condition: 'VAR_CONTAINS', trigger_variable_key: 'A' },
      '"trigger_variable_value" of VAR_CONTAINS must be a non-empty string.',
    ],
    [
      { trigger_condition: 'VAR_NOT_CONTAINS', trigger_variable_key: 'A', trigger_variable_value: '' },
      '"trigger_variable_value" of VAR_NOT_CONTAINS must be a non-empty string.',
    ],
    [
      { trigger_condition: 'DATETIME' },
      'Trigger condition DATETIME needs a non-empty "trigger_days" or "trigger_hours".',
    ],
    [
      { trigger_condition: 'DATETIME', trigger_days: [], trigger_hours: [] },
      'Trigger condition DATETIME needs a non-empty "trigger_days" or "trigger_hours".',
    ],
    ...[[24], [-1], [1.5], ['9'], '9'].map((bad): [Condition, string] => [
      { trigger_condition: 'DATETIME', trigger_hours: bad },
      hours('DATETIME'),
    ]),
    ...[[0], [8], [1, 'Mon']].map((bad): [Condition, string] => [
      { trigger_condition: 'DATETIME', trigger_days: bad },
      days('DATETIME'),
    ]),
    [
      { trigger_condition: 'DATETIME', trigger_hours: [1], timezone: 'Mars/Olympus' },
      'Unknown time zone "Mars/Olympus" in trigger condition DATETIME.',
    ],
    [
      { trigger_condition: 'DATETIME', trigger_hours: [1], zone_id: 'Mars/Olympus' },
      'Unknown time zone "Mars/Olympus" in trigger condition DATETIME.',
    ],
    [
      { trigger_condition: 'HOUR', trigger_hours: [1], timezone: 5 },
      '"timezone" of trigger condition HOUR must be an IANA time zone name.',
    ],
    [{ trigger_condition: 'DAY' }, days('DAY')],
    [{ trigger_condition: 'DAY', trigger_days: [], trigger_hours: [3] }, days('DAY')],
    [{ trigger_condition: 'HOUR', trigger_days: [1] }, hours('HOUR')],
    [
      { trigger_condition: 'SUCCESS_PIPELINE', trigger_pipeline_name: 'Build' },
      '"trigger_project_name" of SUCCESS_PIPELINE must be the name of a project.',
    ],
    [
      { trigger_condition: 'SUCCESS_PIPELINE', trigger_project_name: 'web', trigger_pipeline_name: ' ' },
      '"trigger_pipeline_name" of SUCCESS_PIPELINE must be the name of a pipeline.',
    ],
    [{ trigger_condition: 'TRIGGERING_USER_IS' }, '"trigger_user" of TRIGGERING_USER_IS must be the email of a user.'],
    [
      { trigger_condition: 'TRIGGERING_USER_IS_NOT', trigger_user: 'ann' },
      '"trigger_user" of TRIGGERING_USER_IS_NOT must be the email of a user.',
    ],
  ])('refuses %j', (condition, message) => {
    expect(invalidTriggerCondition([condition])).toBe(message);
  });

  it('reports the first offending condition of a list', () => {
    const list = [{ trigger_condition: 'ALWAYS' }, { trigger_condition: 'DAY' }, { trigger_condition: 'OR' }];
    expect(invalidTriggerCondition(list)).toBe(days('DAY'));
  });
});

describe('ALWAYS and ON_CHANGE', () => {
  it('ALWAYS holds', () => expect(run([{ trigger_condition: 'ALWAYS' }])).toEqual({ pass: true }));

  it('ON_CHANGE holds when files changed or when there is no earlier successful run', () => {
    expect(holds({ trigger_condition: 'ON_CHANGE' }, { changedFiles: ['a.txt'] })).toBe(true);
    expect(holds({ trigger_condition: 'ON_CHANGE' }, { changedFiles: null })).toBe(true);
    expect(reason([{ trigger_condition: 'ON_CHANGE' }], { changedFiles: [] })).toBe(
      'Trigger condition ON_CHANGE did not hold: no file changed since the last successful run.',
    );
  });
});

describe('ON_CHANGE_AT_PATH', () => {
  const atPath = (...p: string[]) => ({ trigger_condition: 'ON_CHANGE_AT_PATH', trigger_condition_paths: p });

  it('holds without a base to compare with, and says why it did not hold', () => {
    expect(holds(atPath('src/**'), { changedFiles: null })).toBe(true);
    expect(reason([atPath('src/**')], { changedFiles: [] })).toBe(
      'Trigger condition ON_CHANGE_AT_PATH (src/**) did not hold: no changed file matches.',
    );
    expect(reason([atPath('src/**', 'docs/')], { changedFiles: ['x'] })).toContain('(src/**, docs/)');
  });
});

describe('VAR_IS, VAR_IS_NOT, VAR_CONTAINS, VAR_NOT_CONTAINS', () => {
  const v = (type: string, value?: string) => ({
    trigger_condition: type,
    trigger_variable_key: 'BUDDY_EXECUTION_BRANCH',
    ...(value === undefined ? {} : { trigger_variable_value: value }),
  });
  const branch = (name: string) => ({ variables: new Map([['BUDDY_EXECUTION_BRANCH', name]]) });

  it.each<[string, string, string, boolean]>([
    ['VAR_IS', 'main', 'main', true],
    ['VAR_IS', 'main', 'Main', false],
    ['VAR_IS_NOT', 'main', 'main', false],
    ['VAR_IS_NOT', 'main', 'dev', true],
    ['VAR_CONTAINS', 'feature/', 'feature/login', true],
    ['VAR_CONTAINS', 'feature/', 'Feature/login', false],
    ['VAR_NOT_CONTAINS', 'feature/', 'feature/login', false],
    ['VAR_NOT_CONTAINS', 'feature/', 'main', true],
  ])('%s %j with the variable %j: %s', (type, value, actual, expected) => {
    expect(holds(v(type, value), branch(actual))).toBe(expected);
  });

  it('names the expected value in the reason, never the actual one', () => {
    const why = reason([v('VAR_IS', 'main')], branch('secret-branch'));
    expect(why).toBe(
      'Trigger condition VAR_IS ($BUDDY_EXECUTION_BRANCH = "main") did not hold: $BUDDY_EXECUTION_BRANCH is not "main".',
    );
    expect(reason([v('VAR_NOT_CONTAINS', 'ret')], branch('secret'))).not.toContain('secret"');
  });

  it('treats a variable that is not defined as ""', () => {
    expect(holds(v('VAR_IS', ''))).toBe(true);
    expect(holds(v('VAR_IS'))).toBe(true);
    expect(holds(v('VAR_IS_NOT'))).toBe(false);
    expect(holds(v('VAR_IS_NOT', 'main'))).toBe(true);
    expect(holds(v('VAR_CONTAINS', 'a'))).toBe(false);
    expect(holds(v('VAR_NOT_CONTAINS', 'a'))).toBe(true);
    expect(reason([v('VAR_IS', 'main')])).toContain('($BUDDY_EXECUTION_BRANCH is not defined, which counts as "")');
  });

  it('IS and IS_NOT, CONTAINS and NOT_CONTAINS are complements for any value', () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), fc.option(fc.string()), (is, part, actual) => {
        const over = actual === null ? {} : branch(actual);
        return (
          holds(v('VAR_IS', is), over) !== holds(v('VAR_IS_NOT', is), over) &&
          holds(v('VAR_CONTAINS', part), over) !== holds(v('VAR_NOT_CONTAINS', part), over) &&
          (actual === null || holds(v('VAR_IS', actual), over))
        );
      }),
    );
  });
});

describe('SUCCESS_PIPELINE', () => {
  const c = { trigger_condition: 'SUCCESS_PIPELINE', trigger_project_name: 'web', trigger_pipeline_name: 'Build' };
  const status = (s: string | null) => ({
    lastStatusOf: (project: string, pipeline: string) => (project === 'web' && pipeline === 'Build' ? s : 'SUCCESSFUL'),
  });

  it('holds when the last execution of that pipeline is SUCCESSFUL', () => {
    expect(holds(c, status('SUCCESSFUL'))).toBe(true);
    expect(reason([c], status('FAILED'))).toBe(
      'Trigger condition SUCCESS_PIPELINE (web/Build) did not hold: its last execution is FAILED.',
    );
    expect(holds(c, status('INPROGRESS'))).toBe(false);
    expect(reason([c], status(null))).toContain('that pipeline does not exist or has not run');
  });
});

describe('TRIGGERING_USER_IS and TRIGGERING_USER_IS_NOT', () => {
  const is = { trigger_condition: 'TRIGGERING_USER_IS', trigger_user: 'Ann@Example.com' };
  const isNot = { ...is, trigger_condition: 'TRIGGERING_USER_IS_NOT' };

  it('compares emails case-insensitively; no triggering user is nobody', () => {
    expect(holds(is, { triggeringUserEmail: 'ann@example.com' })).toBe(true);
    expect(holds(isNot, { triggeringUserEmail: 'ann@example.com' })).toBe(false);
    expect(reason([is], { triggeringUserEmail: 'bob@example.com' })).toBe(
      'Trigger condition TRIGGERING_USER_IS (Ann@Example.com) did not hold: the run was triggered by bob@example.com.',
    );
    expect(holds(isNot, { triggeringUserEmail: 'bob@example.com' })).toBe(true);
    expect(reason([is], { triggeringUserEmail: null })).toContain('no user triggered the run');
    expect(holds(isNot, { triggeringUserEmail: null })).toBe(true);
  });

  it('IS and IS_NOT are complements', () => {
    fc.assert(
      fc.property(fc.option(fc.emailAddress()), fc.emailAddress(), (triggeringUserEmail, user) => {
        const over = { triggeringUserEmail };
        return holds({ ...is, trigger_user: user }, over) !== holds({ ...isNot, trigger_user: user }, over);
      }),
    );
  });
});

describe('evaluateTriggerConditions', () => {
  const src = { trigger_condition: 'ON_CHANGE_AT_PATH', trigger_condition_paths: ['src/**'] };
  const main = { trigger_condition: 'VAR_IS', trigger_variable_key: 'BRANCH', trigger_variable_value: 'main' };
  const onMain = new Map([['BRANCH', 'main']]);

  it('needs all conditions to hold and reports the first that does not', () => {
    expect(run([])).toEqual({ pass: true });
    expect(run([src, main], { changedFiles: ['src/a.ts'], variables: onMain })).toEqual({ pass: true });
    expect(reason([src, main], { changedFiles: ['src/a.ts'] })).toMatch(
      /^Trigger condition VAR_IS \(\$BRANCH = "main"\)/,
    );
    expect(reason([src, main], { changedFiles: ['docs/a.md'], variables: onMain })).toMatch(
      /^Trigger condition ON_CHANGE_AT_PATH/,
    );
    expect(reason([main, src], { changedFiles: [] })).toMatch(/^Trigger condition VAR_IS/);
  });

  it('does not run a stored condition that validation would refuse', () => {
    expect(reason([{ trigger_condition: 'ALWAYS' }, { trigger_condition: 'OR' }])).toMatch(
      /^Trigger conditions cannot be evaluated: Trigger condition "OR" is not evaluated by Archway/,
    );
    expect(reason([{ trigger_condition: 'DAY' }])).toContain('"trigger_days" of DAY');
  });

  it('refuses every unknown type', () => {
    fc.assert(
      fc.property(
        fc.string().filter((t) => t !== '' && !EVALUATED_CONDITIONS.includes(t)),
        (type) =>
          invalidTriggerCondition([{ trigger_condition: type }])?.includes(JSON.stringify(type.slice(0, 100))) ===
            true && !holds({ trigger_condition: type }),
      ),
    );
  });
});

describe('needsChangedFiles, needsLastStatus and pipelinesToLookUp', () => {
  const success = (project: string, pipeline: string) => ({
    trigger_condition: 'SUCCESS_PIPELINE',
    trigger_project_name: project,
    trigger_pipeline_name: pipeline,
  });

  it('say which context the caller must gather', () => {
    const plain = [{ trigger_condition: 'ALWAYS' }, { trigger_condition: 'VAR_IS', trigger_variable_key: 'A' }];
    expect(needsChangedFiles([])).toBe(false);
    expect(needsChangedFiles(plain)).toBe(false);
    expect(needsChangedFiles([...plain, { trigger_condition: 'ON_CHANGE' }])).toBe(true);
    expect(needsChangedFiles([{ trigger_condition: 'ON_CHANGE_AT_PATH', trigger_condition_paths: ['a'] }])).toBe(true);
    expect(needsChangedFiles([{ trigger_condition: 'ON_CHANGE_SOMEWHERE' }])).toBe(false);
    expect(needsLastStatus(plain)).toBe(false);
    expect(needsLastStatus([...plain, success('web', 'Build')])).toBe(true);
  });

  it('lists each pipeline to look up once', () => {
    expect(pipelinesToLookUp([success('web', 'Build'), success('web', 'Deploy'), success('web', 'Build')])).toEqual([
      { projectName: 'web', pipelineName: 'Build' },
      { projectName: 'web', pipelineName: 'Deploy' },
    ]);
    expect(pipelinesToLookUp([{ trigger_condition: 'ALWAYS' }])).toEqual([]);
  });
});
