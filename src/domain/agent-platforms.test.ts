import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  KNOWN_WINDOW_MS,
  checkPlatformLabels,
  effectivePlatforms,
  isKnown,
  labelPlatforms,
  parsePlatformList,
  platformOfMachine,
  platformReport,
} from './agent-platforms.js';
import { ValidationError } from './errors.js';
import { PLATFORMS, type Platform } from './platform.js';

const platform = fc.constantFrom(...PLATFORMS);
const platforms = fc.uniqueArray(platform, { maxLength: PLATFORMS.length });

describe('agent platforms', () => {
  it.each([
    ['x86_64', 'linux/amd64'],
    ['aarch64', 'linux/arm64'],
    ['armv7l', 'linux/arm/v7'],
    ['armv6l', 'linux/arm/v6'],
    ['riscv64', null],
    ['arm64', null],
    ['', null],
    ['constructor', null],
  ])('uname -m %j is %j', (machine, expected) => {
    expect(platformOfMachine(machine)).toBe(expected);
  });

  it('parses ARCHWAY_AGENT_PLATFORMS: unset is no override, entries trimmed, deduplicated, in the list order', () => {
    expect(parsePlatformList('X', undefined)).toBeNull();
    expect(parsePlatformList('X', '  ')).toBeNull();
    expect(parsePlatformList('X', ' linux/arm/v7 , linux/arm64,linux/arm64,')).toEqual(['linux/arm64', 'linux/arm/v7']);
  });

  it('refuses an unknown platform, naming the variable, the value and what is allowed', () => {
    expect(() => parsePlatformList('ARCHWAY_AGENT_PLATFORMS', 'linux/arm64,linux/mips')).toThrow(ValidationError);
    expect(() => parsePlatformList('ARCHWAY_AGENT_PLATFORMS', 'arm64')).toThrow(
      /ARCHWAY_AGENT_PLATFORMS has an unsupported platform "arm64"; allowed: linux\/amd64, linux\/arm64/,
    );
  });

  it('property: any list of supported platforms, joined by commas in any order, parses to that set', () => {
    fc.assert(
      fc.property(fc.array(platform, { minLength: 1, maxLength: 8 }), fc.constantFrom(',', ' , ', ',,'), (ps, sep) => {
        const parsed = parsePlatformList('X', ps.join(sep))!;
        expect(new Set(parsed)).toEqual(new Set(ps));
        expect(parsed).toEqual(PLATFORMS.filter((p) => ps.includes(p)));
      }),
    );
  });

  it('property: a list with anything else in it is refused', () => {
    const other = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !s.includes(',') && s.trim() !== '');
    fc.assert(
      fc.property(platforms, other, (ps, bad) => {
        fc.pre(!(PLATFORMS as readonly string[]).includes(bad.trim()));
        expect(() => parsePlatformList('X', [...ps, bad].join(','))).toThrow(ValidationError);
      }),
    );
  });

  it('reports the host as native unless overridden, and never emulates the host', () => {
    const qemu: Platform[] = ['linux/arm64', 'linux/arm/v7', 'linux/arm/v6'];
    expect(platformReport('linux/amd64', null, qemu)).toEqual({
      hostPlatform: 'linux/amd64',
      native: ['linux/amd64'],
      emulated: qemu,
    });
    // Told arm64 is native: the host stays amd64, so a later log can still say "emulated with QEMU".
    expect(platformReport('linux/amd64', ['linux/arm64'], qemu)).toEqual({
      hostPlatform: 'linux/amd64',
      native: ['linux/arm64'],
      emulated: qemu,
    });
    expect(platformReport(null, null, [])).toEqual({ hostPlatform: null, native: [], emulated: [] });
    expect(platformReport('linux/arm64', null, ['linux/arm64', 'linux/arm/v7']).emulated).toEqual(['linux/arm/v7']);
  });

  it('labels win over the report; emulated leaves out what is native', () => {
    const report = platformReport('linux/amd64', null, ['linux/arm64', 'linux/arm/v7', 'linux/arm/v6']);
    expect(effectivePlatforms(['platform=linux/arm64', 'gpu', 'platform=linux/arm/v7'], report)).toEqual({
      hostPlatform: 'linux/amd64',
      native: ['linux/arm64', 'linux/arm/v7'],
      emulated: ['linux/arm/v6'],
    });
    expect(effectivePlatforms(['gpu'], report)).toEqual(report);
    expect(effectivePlatforms(['platform=linux/arm64'], null)).toEqual({
      hostPlatform: null,
      native: ['linux/arm64'],
      emulated: [],
    });
    expect(effectivePlatforms([], null)).toEqual({ hostPlatform: null, native: [], emulated: [] });
  });

  it('property: with a platform label the native set is the labels; without, the report; never both lists', () => {
    fc.assert(
      fc.property(platforms, platforms, platforms, fc.option(platform), (labelled, native, emulated, host) => {
        const labels = labelled.map((p) => `platform=${p}`);
        const out = effectivePlatforms(labels, { hostPlatform: host, native, emulated });
        expect(new Set(out.native)).toEqual(new Set(labelled.length > 0 ? labelled : native));
        expect(out.emulated.filter((p) => out.native.includes(p))).toEqual([]);
        expect(out.hostPlatform).toBe(host);
      }),
    );
  });

  it('reads comma-separated platform labels and refuses unknown ones at registration', () => {
    expect(labelPlatforms(['platform=linux/arm/v6,linux/amd64', 'emulates=linux/arm64'])).toEqual([
      'linux/amd64',
      'linux/arm/v6',
    ]);
    expect(() => checkPlatformLabels(['platform=linux/arm64', 'zone=eu'])).not.toThrow();
    expect(() => checkPlatformLabels(['platform=linux/s390x'])).toThrow(/"labels" has "platform=linux\/s390x"/);
    expect(() => checkPlatformLabels(['platform='])).toThrow(ValidationError);
  });

  it('is known while seen within the last 60 s', () => {
    const now = new Date('2030-01-01T00:01:00.000Z');
    expect(isKnown(null, now)).toBe(false);
    expect(isKnown(new Date(now.getTime() - KNOWN_WINDOW_MS), now)).toBe(true);
    expect(isKnown(new Date(now.getTime() - KNOWN_WINDOW_MS - 1), now)).toBe(false);
    expect(isKnown(new Date(now.getTime() + 5_000), now)).toBe(true);
  });
});
