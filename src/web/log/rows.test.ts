import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogModel } from './log-model.js';
import { createOpenSections, createRowList, headerRow, sectionIdOfRow } from './rows.js';

const LINES = [
  'Checking out',
  '[linux/amd64] build started (native)',
  '[linux/arm64] build started (native)',
  '[linux/amd64] STEP 1/2: FROM alpine',
  '[linux/arm64] STEP 1/2: FROM alpine',
  '[linux/amd64] STEP 2/2: RUN make',
  '[linux/arm64] STEP 2/2: RUN make',
  '[linux/arm64] Error: exit status 2',
  'Build failed',
];

function setUp(lines = LINES) {
  const model = createLogModel();
  lines.forEach((l, n) => model.append(n, l));
  return { model, open: createOpenSections(model) };
}

describe('row lists', () => {
  it('All shows every line with each section header before its first line', () => {
    const { model, open } = setUp();
    const all = createRowList(model, null, open);
    all.sync();
    const H = headerRow;
    expect(all.rows).toEqual([0, H(0), 1, H(1), 2, H(2), 3, H(3), 4, H(4), 5, H(5), 6, 7, 8]);
    expect(sectionIdOfRow(H(4))).toBe(4);
    expect(sectionIdOfRow(5)).toBeNull();
    expect(all.indexOfLine(7)).toBe(13);
  });

  it('a lane shows its own lines; a closed section keeps its header and hides its lines in every view', () => {
    const { model, open } = setUp();
    const arm = createRowList(model, 'linux/arm64', open);
    const all = createRowList(model, null, open);
    arm.sync();
    expect(arm.rows).toEqual([headerRow(1), 2, headerRow(3), 4, headerRow(5), 6, 7]);
    open.toggle(model.sections()[5]!);
    arm.rebuild();
    all.rebuild();
    expect(arm.rows).toEqual([headerRow(1), 2, headerRow(3), 4, headerRow(5)]);
    expect(all.rows.filter((r) => r >= 0)).toEqual([0, 1, 2, 3, 4, 5, 8]);
    expect(all.indexOfLine(7)).toBe(-1);
  });

  it('at the end of a failed run only the failing step of the failed lane is open', () => {
    const { model, open } = setUp();
    model.end('FAILED');
    const arm = createRowList(model, 'linux/arm64', open);
    arm.sync();
    expect(arm.rows).toEqual([headerRow(1), headerRow(3), headerRow(5), 6, 7]);
  });

  it('syncing after each append gives what one rebuild gives (property)', () => {
    const line = fc.constantFrom(...LINES, '[linux/arm/v7] STEP 1/1: FROM x', '[linux/amd64] plain');
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 100 }),
        fc.constantFrom(null, 'linux/amd64', 'linux/arm64'),
        (lines, view) => {
          const model = createLogModel();
          const open = createOpenSections(model);
          const live = createRowList(model, view, open);
          lines.forEach((l, n) => {
            model.append(n, l);
            live.sync();
          });
          const whole = createRowList(model, view, open);
          whole.rebuild();
          expect(live.rows).toEqual(whole.rows);
        },
      ),
    );
  });
});
