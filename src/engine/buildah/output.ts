/**
 * Reading buildah 1.28's output (engine-notes sections 8 and 9). One `buildah build` process per platform,
 * so step lines carry no `[platform]` prefix of their own; a multi-platform prefix is still accepted.
 */
export interface StepLine {
  stage: number | null;
  stages: number | null;
  step: number;
  steps: number;
  instruction: string;
}

const STEP = /^(?:\[[a-z]+\/[^\]]*\]\s+)?(?:\[(\d+)\/(\d+)\]\s+)?STEP (\d+)\/(\d+): (.*)$/;

export function parseStepLine(line: string): StepLine | null {
  const m = STEP.exec(line);
  if (!m) return null;
  return {
    stage: m[1] ? Number(m[1]) : null,
    stages: m[2] ? Number(m[2]) : null,
    step: Number(m[3]),
    steps: Number(m[4]),
    instruction: m[5] ?? '',
  };
}

export function isCacheHit(line: string): boolean {
  return /^--> (Using cache|Cache pulled from remote) /.test(line);
}

/** Warnings buildah prints for every multi-platform build although the values are filled in. */
const NOISE = [
  /level=warning msg="missing \\"(TARGET|BUILD)[A-Z]*\\" build argument/,
  /^\[Warning\] one or more build args were not consumed: \[(TARGET|BUILD)[A-Z]*( (TARGET|BUILD)[A-Z]*)*\]$/,
];

export function isNoise(line: string): boolean {
  return NOISE.some((re) => re.test(line));
}

/** The last `Error: ...` line of buildah's stderr, without the prefix ("" when there is none). */
export function lastErrorLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('Error: '));
  const last = lines[lines.length - 1];
  return last ? last.slice('Error: '.length) : '';
}
