import { ValidationError } from './errors.js';
import { PLATFORMS, isPlatform, type Platform } from './platform.js';

/** An agent is *known* (counted for routing) while it was seen this recently. */
export const KNOWN_WINDOW_MS = 60_000;

/** What an agent says it runs, as it reports it at start (`POST /agent/v1/hello`). */
export interface PlatformReport {
  /** The platform of the machine itself (`uname -m`); null: none Archway builds for. */
  hostPlatform: Platform | null;
  /** The platforms routing treats as native: ARCHWAY_AGENT_PLATFORMS when set, else the host's. */
  native: Platform[];
  /** The platforms it can build under QEMU: those whose foreign-binary check passed, never the host's. */
  emulated: Platform[];
}

/** What routing uses: the report with the admin's `platform=` labels applied. */
export interface EffectivePlatforms {
  hostPlatform: Platform | null;
  native: Platform[];
  emulated: Platform[];
}

const MACHINES: Readonly<Record<string, Platform>> = {
  x86_64: 'linux/amd64',
  aarch64: 'linux/arm64',
  armv7l: 'linux/arm/v7',
  armv6l: 'linux/arm/v6',
};

/** `uname -m` (Node's `os.machine()`) to the platform it runs natively; null for any other machine. */
export function platformOfMachine(machine: string): Platform | null {
  return Object.hasOwn(MACHINES, machine) ? MACHINES[machine]! : null;
}

/** In PLATFORMS' order, each once. */
function ordered(platforms: Iterable<string>): Platform[] {
  const set = new Set(platforms);
  return PLATFORMS.filter((p) => set.has(p));
}

/**
 * A comma-separated platform list such as ARCHWAY_AGENT_PLATFORMS (`linux/arm64,linux/arm/v7`): unset or blank is
 * null (no override); otherwise every entry must be one of PLATFORMS. Throws ValidationError naming `field`.
 */
export function parsePlatformList(field: string, raw: string | undefined): Platform[] | null {
  if (raw === undefined || raw.trim() === '') return null;
  const values = raw
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  const bad = values.filter((v) => !isPlatform(v));
  if (bad.length > 0)
    throw new ValidationError(
      `${field} has an unsupported platform ${bad.map((b) => JSON.stringify(b)).join(', ')}; allowed: ${PLATFORMS.join(', ')} (comma-separated).`,
    );
  return ordered(values);
}

/**
 * The report an agent sends: its host platform, the native set (the override when given, else the host's) and
 * what it emulates (platforms that ran under QEMU, without the host's own).
 */
export function platformReport(
  hostPlatform: Platform | null,
  override: readonly Platform[] | null,
  runsUnderQemu: readonly Platform[],
): PlatformReport {
  return {
    hostPlatform,
    native: ordered(override ?? (hostPlatform ? [hostPlatform] : [])),
    emulated: ordered(runsUnderQemu.filter((p) => p !== hostPlatform)),
  };
}

const LABEL = 'platform=';

/** The platforms an admin's `platform=` labels name (`platform=linux/arm64`, also comma-separated). */
export function labelPlatforms(labels: readonly string[]): Platform[] {
  const named = labels.filter((l) => l.startsWith(LABEL)).flatMap((l) => l.slice(LABEL.length).split(','));
  return ordered(named.map((v) => v.trim()));
}

/** Refuses a `platform=` label that names no supported platform (at registration). */
export function checkPlatformLabels(labels: readonly string[]): void {
  for (const label of labels.filter((l) => l.startsWith(LABEL))) {
    const values = label.slice(LABEL.length).split(',');
    if (values.some((v) => !isPlatform(v.trim())))
      throw new ValidationError(
        `"labels" has "${label}": a platform label names one or more of ${PLATFORMS.join(', ')}.`,
      );
  }
}

/**
 * The platforms routing uses: the admin's `platform=` labels win over what the agent reported (its override or
 * its host); emulated is what it reported emulating, less what counts as native. An agent that never reported
 * and has no label has none.
 */
export function effectivePlatforms(labels: readonly string[], report: PlatformReport | null): EffectivePlatforms {
  const fromLabels = labelPlatforms(labels);
  const native = fromLabels.length > 0 ? fromLabels : (report?.native ?? []);
  return {
    hostPlatform: report?.hostPlatform ?? null,
    native,
    emulated: (report?.emulated ?? []).filter((p) => !native.includes(p)),
  };
}

/** Seen within KNOWN_WINDOW_MS of `now` (a clock a little behind counts as seen now). */
export function isKnown(lastSeenAt: Date | null, now: Date): boolean {
  return lastSeenAt !== null && now.getTime() - lastSeenAt.getTime() <= KNOWN_WINDOW_MS;
}
