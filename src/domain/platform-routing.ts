import { effectivePlatforms, type EffectivePlatforms, type PlatformReport } from './agent-platforms.js';
import { PLATFORMS, type Platform } from './platform.js';

/**
 * Whether a multi-platform build becomes one job per platform and an index job (ARCHWAY_FANOUT): `auto` (the
 * default) while more than one agent is known, since on one machine the parts only add the index job's push (about
 * 0.15 s) and lose the engine's parallel units; `on` always (even with one agent: the parts then run one after
 * another); `off` never.
 */
export type FanOutMode = 'auto' | 'on' | 'off';

/** How long a platform job waits for a known native agent before any agent may emulate it (ARCHWAY_NATIVE_WAIT_SECONDS). */
export const DEFAULT_NATIVE_WAIT_MS = 60_000;

/**
 * What routing counts an agent as running. An agent that never said (an older agent, or one whose hello failed)
 * and has no `platform=` label is offered every platform as a fallback, as before agents reported: it builds them
 * as it always did, just never ahead of a native agent.
 */
export function routingPlatforms(labels: readonly string[], report: PlatformReport | null): EffectivePlatforms {
  const effective = effectivePlatforms(labels, report);
  if (report === null && effective.native.length === 0) return { ...effective, emulated: [...PLATFORMS] };
  return effective;
}

/** Whether the agent can build `platform` at all: natively by routing, on its own machine, or under QEMU. */
export function canBuild(agent: EffectivePlatforms, platform: Platform): boolean {
  return agent.native.includes(platform) || agent.hostPlatform === platform || agent.emulated.includes(platform);
}

/**
 * Whether `agent` may claim a platform job for `platform` now, and how routing counts it. A native agent may
 * always. Any other agent that can build it may once no known agent is native for it, or once the job has
 * waited `nativeWaitMs` for one (0: at once): a native machine is 11-24x faster than QEMU for CPU-bound steps
 * (README), so a minute's wait pays for itself on any build longer than a few seconds under emulation, and a
 * native agent that is known but busy or gone does not hold the build up longer than that.
 */
export function claimRoute(
  platform: Platform,
  agent: EffectivePlatforms,
  known: readonly EffectivePlatforms[],
  waitedMs: number,
  nativeWaitMs: number,
): 'native' | 'fallback' | null {
  if (agent.native.includes(platform)) return 'native';
  if (!canBuild(agent, platform)) return null;
  const nativeKnown = known.some((a) => a.native.includes(platform));
  return !nativeKnown || waitedMs >= nativeWaitMs ? 'fallback' : null;
}

/**
 * How long a platform job with a MIN cache waits for the agent whose store for that platform is warm, when that
 * agent may take it at least as well as the asking one. A warm store turned a 12.9-13.7 s cold 4-platform build
 * into 3.1-4.1 s here (engine-notes section 4), so a wait of this length pays off whenever the warm agent is free
 * soon; a busy one does not hold the job longer.
 */
export const WARM_WAIT_MS = 10_000;

const RANK = { native: 2, fallback: 1 } as const;

/**
 * `claimRoute`, preferring the warm agent (`warm`: the known agent that last built this platform for the job's
 * MIN cache key, and whether it is the asking one): any other agent leaves the job to it for `warmWaitMs`, unless
 * it would take it in a better way (natively where the warm agent would emulate).
 */
export function claimRouteWarm(
  platform: Platform,
  agent: EffectivePlatforms,
  known: readonly EffectivePlatforms[],
  waitedMs: number,
  nativeWaitMs: number,
  warm: { agent: EffectivePlatforms; isMe: boolean } | null,
  warmWaitMs = WARM_WAIT_MS,
): 'native' | 'fallback' | null {
  const mine = claimRoute(platform, agent, known, waitedMs, nativeWaitMs);
  if (!mine || !warm || warm.isMe || waitedMs >= warmWaitMs) return mine;
  const theirs = claimRoute(platform, warm.agent, known, waitedMs, nativeWaitMs);
  return theirs && RANK[theirs] >= RANK[mine] ? null : mine;
}
