import { kindOf, parsePrefix, plainText } from './log/line.js';
/** What one platform of a build came to, read from the action's log. */
export interface PlatformOutcome {
  platform: string;
  emulated: boolean | null;
  /** The agent that built it, when the log names one. */
  agent: string | null;
  digest: string | null;
  /** The image's size in the registry as the log says it ("12.3 MiB"), or null (older logs have none). */
  size: string | null;
  seconds: number | null;
  cachedSteps: number | null;
  totalSteps: number | null;
}

/** The image a DOCKER_BUILD_MULTI_ARCH action pushed: the verified index and each platform. */
export interface BuildSummary {
  indexDigest: string | null;
  references: string[];
  reused: boolean;
  seconds: number | null;
  platforms: PlatformOutcome[];
}

const INDEX = /^Image index (sha256:[0-9a-f]{64}) (pushed|unchanged, now tagged) as (.+) in ([\d.]+) s$/;

/**
 * Reads the summary lines the agent writes (agent/engine-build.ts `describeEvent` makes them: "build started",
 * a platform's digest with its time and cache hits, the pushed index): the log is the record of a build, so the
 * page shows what the log says and nothing the log could contradict. Null when no platform started.
 */
export function buildSummaryOf(lines: readonly string[]): BuildSummary | null {
  const platforms = new Map<string, PlatformOutcome>();
  const at = (platform: string) => {
    let p = platforms.get(platform);
    if (!p) {
      p = {
        platform,
        emulated: null,
        agent: null,
        digest: null,
        size: null,
        seconds: null,
        cachedSteps: null,
        totalSteps: null,
      };
      platforms.set(platform, p);
    }
    return p;
  };
  const summary: BuildSummary = { indexDigest: null, references: [], reused: false, seconds: null, platforms: [] };
  for (const line of lines) {
    const { platform, length } = parsePrefix(line);
    if (platform) {
      const kind = kindOf(plainText(line.slice(length)));
      if (kind.kind === 'started') Object.assign(at(platform), { emulated: kind.emulated, agent: kind.agent });
      if (kind.kind === 'finished') {
        const { digest, size, seconds, cachedSteps, totalSteps } = kind;
        Object.assign(at(platform), { digest, size, seconds, cachedSteps, totalSteps });
      }
      continue;
    }
    const m = INDEX.exec(line);
    if (m) {
      summary.indexDigest = m[1]!;
      summary.reused = m[2] !== 'pushed';
      summary.references = m[3]!.split(', ');
      summary.seconds = Number(m[4]);
    }
  }
  if (platforms.size === 0 && !summary.indexDigest) return null;
  summary.platforms = [...platforms.values()];
  return summary;
}
