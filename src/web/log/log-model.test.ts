import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogModel, type LogModel } from './log-model.js';

const D = `sha256:${'b'.repeat(64)}`;

function modelOf(lines: readonly string[], end?: string): LogModel {
  const model = createLogModel();
  lines.forEach((line, n) => expect(model.append(n, line)).toBe('added'));
  if (end) model.end(end);
  return model;
}

const FAILED_ARM64 = [
  'Checking out 0123456789ab of https://git.example/app.git',
  '[linux/amd64] build started (native)',
  '[linux/arm64] build started (emulated with QEMU)',
  '[linux/amd64] STEP 1/2: FROM alpine',
  '[linux/arm64] STEP 1/2: FROM alpine',
  '[linux/amd64] --> Using cache 0123456789abcdef',
  '[linux/amd64] --> Using cache 0123456789abcdef', // a hit may print two lines: one step
  '[linux/arm64] STEP 2/2: RUN make',
  '[linux/amd64] STEP 2/2: RUN make',
  '[linux/arm64] make: *** [all] Error 2',
  '[linux/arm64] \x1b[31mError: building at STEP "RUN make": exit status 2\x1b[0m',
  `[linux/amd64] ${D} in 12.3 s, 1 of 2 steps from cache`,
  'Build failed: linux/arm64 failed at STEP 2/2',
];

describe('the log model', () => {
  it('gives each platform a lane with its summary, shared lines none', () => {
    const model = modelOf(FAILED_ARM64.slice(0, 9));
    expect(model.lanes()).toEqual([
      {
        platform: 'linux/amd64',
        emulated: false,
        step: { stage: null, stages: null, step: 2, steps: 2 },
        cacheHits: 1,
        seconds: null,
        status: 'running',
        lines: 5,
      },
      {
        platform: 'linux/arm64',
        emulated: true,
        step: { stage: null, stages: null, step: 2, steps: 2 },
        cacheHits: 0,
        seconds: null,
        status: 'running',
        lines: 3,
      },
    ]);
    expect(model.platformOf(0)).toBeNull();
    expect(model.sectionOf(0)).toBeNull();
    expect(model.text(4)).toBe('STEP 1/2: FROM alpine');
  });

  it('ends lanes: finished, failed at an Error: line, and the rest by the action status', () => {
    const model = modelOf(FAILED_ARM64, 'FAILED');
    expect(model.lane('linux/amd64')).toMatchObject({ status: 'done', seconds: 12.3 });
    expect(model.lane('linux/arm64')).toMatchObject({ status: 'failed', seconds: null });
    const running = modelOf(['[linux/arm/v6] build started (emulated with QEMU)', '[linux/arm/v6] STEP 1/3: FROM x']);
    running.end('TERMINATED');
    expect(running.lane('linux/arm/v6')?.status).toBe('failed');
    const fine = modelOf(['[linux/arm/v6] STEP 1/1: FROM x']);
    fine.end('SUCCESSFUL');
    expect(fine.lane('linux/arm/v6')?.status).toBe('done');
  });

  it('splits each lane into a setup section and one per STEP; the failing step alone stays open at the end', () => {
    const model = modelOf(FAILED_ARM64);
    const titles = model.sections().map((s) => [s.platform, s.title, s.first, s.lines, s.failed]);
    expect(titles).toEqual([
      ['linux/amd64', 'setup', 1, 1, false],
      ['linux/arm64', 'setup', 2, 1, false],
      ['linux/amd64', 'STEP 1/2: FROM alpine', 3, 3, false],
      ['linux/arm64', 'STEP 1/2: FROM alpine', 4, 1, false],
      ['linux/arm64', 'STEP 2/2: RUN make', 7, 3, true],
      ['linux/amd64', 'STEP 2/2: RUN make', 8, 2, false],
    ]);
    expect(model.sections().map((s) => model.openByDefault(s))).toEqual([true, true, true, true, true, true]);
    model.end('FAILED');
    // arm64 failed: only its failing step stays open; amd64 succeeded: all open
    expect(model.sections().map((s) => model.openByDefault(s))).toEqual([true, false, true, false, true, true]);
  });

  it('marks the last section of a lane that failed without an Error: line', () => {
    const model = modelOf(['[linux/arm64] STEP 1/2: FROM x', '[linux/arm64] STEP 2/2: RUN sleep 9'], 'TERMINATED');
    expect(model.sections().map((s) => s.failed)).toEqual([false, true]);
  });

  it('takes only the next line: a line it holds is a duplicate, one past the end a gap', () => {
    const model = modelOf(['a', 'b']);
    expect(model.append(1, 'b')).toBe('duplicate');
    expect(model.append(3, 'd')).toBe('gap');
    expect(model.length).toBe(2);
    const before = model.version;
    expect(model.append(2, 'c')).toBe('added');
    expect(model.version).toBeGreaterThan(before);
  });

  it('splitting into lanes and merging back by line number gives the input (property)', () => {
    const platform = fc.constantFrom(null, 'linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6');
    const body = fc.oneof(
      fc.string(),
      fc.constantFrom('STEP 1/3: FROM alpine', '--> Using cache 01234567890', 'Error: boom', '\x1b[32mok\x1b[0m'),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(platform, body), { maxLength: 200 }), (spec) => {
        const lines = spec.map(([p, text]) => (p ? `[${p}] ${text}` : text));
        const model = modelOf(lines);
        const merged: string[] = [];
        const shared = lines.map((_, n) => n).filter((n) => model.platformOf(n) === null);
        for (const n of shared) merged[n] = model.raw(n);
        for (const lane of model.lanes()) {
          const numbers = model.laneLines(lane.platform);
          expect(numbers.length).toBe(lane.lines);
          for (const n of numbers) {
            expect(merged[n]).toBeUndefined();
            merged[n] = `[${lane.platform}] ${model.text(n)}`;
          }
        }
        expect(merged).toEqual(lines);
        // every platform line is in exactly one section, of its own lane
        const sectioned = model.sections().reduce((sum, s) => sum + s.lines, 0);
        expect(sectioned).toBe(lines.length - shared.length);
      }),
    );
  });
});
