import { describe, expect, it } from 'vitest';
import { buildSummaryOf } from './build-summary.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;

describe('buildSummaryOf', () => {
  it('reads each platform and the index from the lines the agent writes', () => {
    const summary = buildSummaryOf([
      'Checking out main',
      '[linux/amd64] build started on builder-1 (native)',
      '[linux/arm64] build started (emulated with QEMU)',
      '[linux/arm64] STEP 1/3: FROM alpine',
      `[linux/amd64] ${D('a')} (12.3 MiB) in 3.2 s, 2 of 3 steps from cache`,
      `[linux/arm64] ${D('b')} in 41.0 s, 0 of 3 steps from cache`,
      `Image index ${D('c')} pushed as 127.0.0.1:5000/app:latest, 127.0.0.1:5000/app:1.0 in 44.1 s`,
    ]);
    expect(summary).toEqual({
      indexDigest: D('c'),
      references: ['127.0.0.1:5000/app:latest', '127.0.0.1:5000/app:1.0'],
      reused: false,
      seconds: 44.1,
      platforms: [
        {
          platform: 'linux/amd64',
          emulated: false,
          agent: 'builder-1',
          digest: D('a'),
          size: '12.3 MiB',
          seconds: 3.2,
          cachedSteps: 2,
          totalSteps: 3,
        },
        {
          platform: 'linux/arm64',
          emulated: true,
          agent: null,
          digest: D('b'),
          size: null,
          seconds: 41,
          cachedSteps: 0,
          totalSteps: 3,
        },
      ],
    });
  });

  it('says a reused build and a platform that never finished; nothing for a log without a build', () => {
    const summary = buildSummaryOf([
      '[linux/arm/v7] build started (emulated with QEMU)',
      `Image index ${D('e')} unchanged, now tagged as r/app:x in 0.4 s`,
    ]);
    expect(summary?.reused).toBe(true);
    expect(summary?.platforms[0]).toMatchObject({ platform: 'linux/arm/v7', emulated: true, digest: null });
    expect(buildSummaryOf(['[linux/amd64] RUN echo "build started (native)"', 'hello'])).toBeNull();
  });
});
