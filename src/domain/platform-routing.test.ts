import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EffectivePlatforms } from './agent-platforms.js';
import { PLATFORMS, type Platform } from './platform.js';
import { canBuild, claimRoute, claimRouteWarm, routingPlatforms, WARM_WAIT_MS } from './platform-routing.js';

const platform = fc.constantFrom(...PLATFORMS);
const platforms = fc.subarray([...PLATFORMS]);
const agent: fc.Arbitrary<EffectivePlatforms> = fc.record({
  hostPlatform: fc.option(platform, { nil: null }),
  native: platforms,
  emulated: platforms,
});
const WAIT = 60_000;

describe('claimRoute', () => {
  it('always gives a platform job to an agent native for it', () => {
    fc.assert(
      fc.property(platform, agent, fc.array(agent), fc.nat(), (p, a, known, waited) => {
        const native = { ...a, native: [...new Set([...a.native, p])] };
        expect(claimRoute(p, native, known, waited, WAIT)).toBe('native');
      }),
    );
  });

  it('never gives it to an agent that cannot build the platform', () => {
    fc.assert(
      fc.property(platform, agent, fc.array(agent), fc.nat(), (p, a, known, waited) => {
        fc.pre(!canBuild(a, p));
        expect(claimRoute(p, a, known, waited, WAIT)).toBeNull();
      }),
    );
  });

  it('lets any capable agent emulate at once when no known agent is native for it, else only after the wait', () => {
    fc.assert(
      fc.property(platform, agent, fc.array(agent), fc.nat(2 * WAIT), (p, a, known, waited) => {
        fc.pre(canBuild(a, p) && !a.native.includes(p));
        const nativeKnown = known.some((k) => k.native.includes(p));
        const expected = !nativeKnown || waited >= WAIT ? 'fallback' : null;
        expect(claimRoute(p, a, known, waited, WAIT)).toBe(expected);
        expect(claimRoute(p, a, known, waited, 0)).toBe('fallback');
      }),
    );
  });

  it('routes the issue’s two agents: arm64 and arm/v7 to the one told they are native, amd64 and arm/v6 to the other', () => {
    const x86: EffectivePlatforms = {
      hostPlatform: 'linux/amd64',
      native: ['linux/amd64'],
      emulated: ['linux/arm64', 'linux/arm/v7', 'linux/arm/v6'],
    };
    const toldArm: EffectivePlatforms = {
      hostPlatform: 'linux/amd64',
      native: ['linux/arm64', 'linux/arm/v7'],
      emulated: ['linux/arm/v6'],
    };
    const known = [x86, toldArm];
    const route = (p: Platform, a: EffectivePlatforms, waited = 0) => claimRoute(p, a, known, waited, WAIT);
    expect([route('linux/arm64', toldArm), route('linux/arm64', x86)]).toEqual(['native', null]);
    expect([route('linux/arm/v7', toldArm), route('linux/arm/v7', x86)]).toEqual(['native', null]);
    expect([route('linux/amd64', x86), route('linux/amd64', toldArm)]).toEqual(['native', null]);
    // No agent is native for arm/v6: whichever asks first emulates it.
    expect([route('linux/arm/v6', x86), route('linux/arm/v6', toldArm)]).toEqual(['fallback', 'fallback']);
    // The arm agent stopped (no longer known): arm64 goes to the x86 agent at once; while known, after the wait.
    expect(claimRoute('linux/arm64', x86, [x86], 0, WAIT)).toBe('fallback');
    expect(route('linux/arm64', x86, WAIT)).toBe('fallback');
  });

  it('offers every platform, after the natives, to an agent that never said what it runs and has no label', () => {
    const silent = routingPlatforms([], null);
    const arm = routingPlatforms([], { hostPlatform: 'linux/arm64', native: ['linux/arm64'], emulated: [] });
    for (const p of PLATFORMS) expect(canBuild(silent, p)).toBe(true);
    expect(claimRoute('linux/arm64', silent, [silent, arm], 0, WAIT)).toBeNull();
    expect(claimRoute('linux/amd64', silent, [silent, arm], 0, WAIT)).toBe('fallback');
    expect(routingPlatforms(['platform=linux/arm/v7'], null).emulated).toEqual([]);
  });

  it('leaves a job with a MIN cache to the warm agent for a while, unless it would take it better', () => {
    fc.assert(
      fc.property(platform, agent, agent, fc.array(agent), fc.nat(2 * WARM_WAIT_MS), (p, me, warm, known, waited) => {
        const all = [me, warm, ...known];
        const plain = claimRoute(p, me, all, waited, WAIT);
        // The warm agent itself, and no warm agent at all: routing as without a cache.
        expect(claimRouteWarm(p, me, all, waited, WAIT, { agent: me, isMe: true })).toBe(plain);
        expect(claimRouteWarm(p, me, all, waited, WAIT, null)).toBe(plain);
        const theirs = claimRoute(p, warm, all, waited, WAIT);
        const got = claimRouteWarm(p, me, all, waited, WAIT, { agent: warm, isMe: false });
        if (plain === null || waited >= WARM_WAIT_MS) expect(got).toBe(plain);
        else if (theirs === 'native' || theirs === plain) expect(got).toBeNull();
        else expect(got).toBe(plain);
      }),
    );
  });
});
