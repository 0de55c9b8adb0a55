/** What one platform of a build came to, read from the action's log. */
export interface PlatformOutcome {
  platform: string;
  emulated: boolean | null;
  digest: string | null;
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

const STARTED = /^\[(linux\/[a-z0-9/]+)\] build started \((native|emulated with QEMU)\)$/;
const FINISHED = /^\[(linux\/[a-z0-9/]+)\] (sha256:[0-9a-f]{64}) in ([\d.]+) s, (\d+) of (\d+) steps from cache$/;
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
      p = { platform, emulated: null, digest: null, seconds: null, cachedSteps: null, totalSteps: null };
      platforms.set(platform, p);
    }
    return p;
  };
  const summary: BuildSummary = { indexDigest: null, references: [], reused: false, seconds: null, platforms: [] };
  for (const line of lines) {
    let m = STARTED.exec(line);
    if (m) {
      at(m[1]!).emulated = m[2] !== 'native';
      continue;
    }
    m = FINISHED.exec(line);
    if (m) {
      Object.assign(at(m[1]!), {
        digest: m[2]!,
        seconds: Number(m[3]),
        cachedSteps: Number(m[4]),
        totalSteps: Number(m[5]),
      });
      continue;
    }
    m = INDEX.exec(line);
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
