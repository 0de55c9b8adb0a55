import { describe, expect, it } from 'vitest';
import { buildSummaryOf } from '../../src/web/build-summary.js';
import { describeEvent, sizeText } from '../../src/agent/engine-build.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;

describe('the summary lines of a build', () => {
  it('says sizes in powers of 1024', () => {
    expect(sizeText(10)).toBe('1 KiB');
    expect(sizeText(812 * 1024)).toBe('812 KiB');
    expect(sizeText(12.34 * 1024 * 1024)).toBe('12.3 MiB');
    expect(sizeText(1.25 * 1024 ** 3)).toBe('1.3 GiB');
  });

  it('writes what the web app reads back (the log is the record of a build)', () => {
    const lines = [
      describeEvent({ type: 'platform-started', platform: 'linux/arm64', emulated: true }),
      describeEvent({
        type: 'platform-finished',
        platform: 'linux/arm64',
        digest: D('b'),
        durationMs: 41_020,
        cachedSteps: 1,
        totalSteps: 3,
        sizeBytes: 3_456_789,
      }),
      describeEvent({
        type: 'platform-finished',
        platform: 'linux/amd64',
        digest: D('a'),
        durationMs: 3_000,
        cachedSteps: 3,
        totalSteps: 3,
        sizeBytes: null,
      }),
    ].filter((l): l is string => l !== null);
    expect(lines[1]).toBe(`[linux/arm64] ${D('b')} (3.3 MiB) in 41.0 s, 1 of 3 steps from cache`);
    expect(buildSummaryOf(lines)?.platforms).toEqual([
      {
        platform: 'linux/arm64',
        emulated: true,
        agent: null,
        digest: D('b'),
        size: '3.3 MiB',
        seconds: 41,
        cachedSteps: 1,
        totalSteps: 3,
      },
      {
        platform: 'linux/amd64',
        emulated: null,
        agent: null,
        digest: D('a'),
        size: null,
        seconds: 3,
        cachedSteps: 3,
        totalSteps: 3,
      },
    ]);
  });
});
