/**
 * One line of an action's log as the agent writes it (agent/engine-build.ts `describeEvent`, engine/buildah/
 * output.ts): a platform's lines start with `[linux/arm64] `, the run's shared lines (checkout, push, verify)
 * have no prefix. Kinds are read from the text without its ANSI escapes.
 */
export interface LogLine {
  /** The line number: its index in the log, 0-based. */
  n: number;
  /** `linux/arm64`, or null for a shared line. */
  platform: string | null;
  /** The line without its platform prefix, ANSI escapes kept. */
  text: string;
}

export interface StepPosition {
  stage: number | null;
  stages: number | null;
  step: number;
  steps: number;
}

/** What a line says about its platform's build, if anything. */
export type LineKind =
  | { kind: 'started'; emulated: boolean; agent: string | null }
  | ({ kind: 'step'; instruction: string } & StepPosition)
  | { kind: 'cache-hit' }
  | {
      kind: 'finished';
      digest: string;
      /** The image's size as the line says it ("12.3 MiB"); older logs have none. */
      size: string | null;
      seconds: number;
      cachedSteps: number;
      totalSteps: number;
    }
  | { kind: 'error' }
  | { kind: 'other' };

const PREFIX = /^\[([a-z][a-z0-9]*\/[a-z0-9_]+(?:\/[a-z0-9]+)?)\] /;

/** The platform a line's prefix names and the prefix's length (0 for a shared line). */
export function parsePrefix(raw: string): { platform: string | null; length: number } {
  const m = raw.startsWith('[') ? PREFIX.exec(raw) : null;
  return m ? { platform: m[1]!, length: m[0].length } : { platform: null, length: 0 };
}

export function parseLine(n: number, raw: string): LogLine {
  const { platform, length } = parsePrefix(raw);
  return { n, platform, text: raw.slice(length) };
}

// CSI (colours, cursor moves), OSC (titles, hyperlinks, ended by BEL or ST) and the two-byte escapes.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]/g;

/** The text a person reads: ANSI escapes removed. */
export function plainText(text: string): string {
  return text.includes('\x1b') ? text.replace(ANSI, '') : text;
}

const STARTED = /^build started(?: on (\S.*?))? \((native|emulated with QEMU)\)$/;
const STEP = /^(?:\[(\d+)\/(\d+)\]\s+)?STEP (\d+)\/(\d+): (.*)$/;
const CACHE_HIT = /^--> (?:Using cache|Cache pulled from remote) /;
const FINISHED = /^(sha256:[0-9a-f]{64})(?: \(([\d.]+ [KMG]iB)\))? in ([\d.]+) s, (\d+) of (\d+) steps from cache$/;

/** Reads a platform line's plain text (see plainText); shared lines are `other` except for `Error:`. */
export function kindOf(plain: string): LineKind {
  if (plain.startsWith('Error: ')) return { kind: 'error' };
  if (plain.startsWith('--> ')) return CACHE_HIT.test(plain) ? { kind: 'cache-hit' } : { kind: 'other' };
  let m = STEP.exec(plain);
  if (m)
    return {
      kind: 'step',
      stage: m[1] ? Number(m[1]) : null,
      stages: m[2] ? Number(m[2]) : null,
      step: Number(m[3]),
      steps: Number(m[4]),
      instruction: m[5]!,
    };
  m = STARTED.exec(plain);
  if (m) return { kind: 'started', emulated: m[2] !== 'native', agent: m[1] ?? null };
  m = FINISHED.exec(plain);
  if (m)
    return {
      kind: 'finished',
      digest: m[1]!,
      size: m[2] ?? null,
      seconds: Number(m[3]),
      cachedSteps: Number(m[4]),
      totalSteps: Number(m[5]),
    };
  return { kind: 'other' };
}
