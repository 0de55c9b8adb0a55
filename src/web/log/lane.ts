import type { LineKind, StepPosition } from './line.js';

export type LaneStatus = 'running' | 'done' | 'failed';

/** One platform's build as its lines tell it so far. */
export interface LaneSummary {
  platform: string;
  /** From `build started (...)`; null until that line. */
  emulated: boolean | null;
  /** The last `STEP n/m` seen. */
  step: StepPosition | null;
  /** Steps whose cache was hit (a hit may print two lines for one step: counted once). */
  cacheHits: number;
  /** From the platform's finish line; null while it runs (or when it failed). */
  seconds: number | null;
  status: LaneStatus;
  /** How many lines the lane holds. */
  lines: number;
}

/** The lane's state, with what counting cache hits per step needs. */
export interface LaneState extends LaneSummary {
  /** Steps seen, to count a step's hits once. */
  stepsSeen: number;
  hitAtStep: number;
}

export function newLane(platform: string): LaneState {
  return {
    platform,
    emulated: null,
    step: null,
    cacheHits: 0,
    seconds: null,
    status: 'running',
    lines: 0,
    stepsSeen: 0,
    hitAtStep: -1,
  };
}

/** Applies one line of the lane (already classified) to its state. */
export function applyToLane(lane: LaneState, kind: LineKind): void {
  lane.lines++;
  switch (kind.kind) {
    case 'started':
      lane.emulated = kind.emulated;
      break;
    case 'step':
      lane.step = { stage: kind.stage, stages: kind.stages, step: kind.step, steps: kind.steps };
      lane.stepsSeen++;
      break;
    case 'cache-hit':
      if (lane.hitAtStep !== lane.stepsSeen) lane.cacheHits++;
      lane.hitAtStep = lane.stepsSeen;
      break;
    case 'finished':
      lane.seconds = kind.seconds;
      if (lane.status === 'running') lane.status = 'done';
      break;
    case 'error':
      lane.status = 'failed';
      break;
    case 'other':
      break;
  }
}

/** When the action ends, a lane still running ended with it: done if the action succeeded, else failed. */
export function endLane(lane: LaneState, succeeded: boolean): void {
  if (lane.status === 'running') lane.status = succeeded ? 'done' : 'failed';
}

export function summaryOf(lane: LaneState): LaneSummary {
  const { stepsSeen: _s, hitAtStep: _h, ...summary } = lane;
  return summary;
}
