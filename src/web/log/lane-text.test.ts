import { describe, expect, it } from 'vitest';
import { laneDetails, shortPlatform } from './lane-text.js';

describe('lane text', () => {
  it('says how the lane builds, where it is, its cache hits and its time', () => {
    const lane = {
      platform: 'linux/arm/v7',
      emulated: true,
      step: { stage: 2, stages: 2, step: 3, steps: 7 },
      cacheHits: 1,
      seconds: 12.25,
      status: 'done' as const,
      lines: 9,
    };
    expect(laneDetails(lane)).toBe('emulated · stage 2/2 STEP 3/7 · 1 cache hit · 12.3 s');
    expect(laneDetails({ ...lane, emulated: null, step: null, cacheHits: 0, seconds: null })).toBe('0 cache hits');
    expect(shortPlatform(lane.platform)).toBe('arm/v7');
  });
});
