import type { LaneStatus, LaneSummary } from './lane.js';

/** A status in words with a mark, so it reads without colour. */
export const STATUS_TEXT: Record<LaneStatus, string> = { running: '● running', done: '✓ done', failed: '✗ failed' };

/** The short name a platform is shown by in the All view: `arm/v7` for `linux/arm/v7`. */
export function shortPlatform(platform: string): string {
  return platform.startsWith('linux/') ? platform.slice('linux/'.length) : platform;
}

/** A lane's summary in one line: `emulated · STEP 3/7 · 2 cache hits · 12.3 s`. */
export function laneDetails(lane: LaneSummary): string {
  const parts: string[] = [];
  if (lane.emulated !== null) parts.push(lane.emulated ? 'emulated' : 'native');
  if (lane.step) {
    const stage = lane.step.stage !== null ? `stage ${lane.step.stage}/${lane.step.stages} ` : '';
    parts.push(`${stage}STEP ${lane.step.step}/${lane.step.steps}`);
  }
  parts.push(lane.cacheHits === 1 ? '1 cache hit' : `${lane.cacheHits} cache hits`);
  if (lane.seconds !== null) parts.push(`${lane.seconds.toFixed(1)} s`);
  return parts.join(' · ');
}
