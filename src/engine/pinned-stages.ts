import { isPlatform, type Platform } from '../domain/platform.js';
import { fromReferences, parseInstructions, stagesNeeded, type Stage } from './dockerfile.js';

/**
 * Stages pinned to a platform other than the target's: `FROM --platform=$BUILDPLATFORM … AS tool`
 * (cross-compilation) or a literal `--platform=linux/amd64`, and the stages built FROM them. buildah 1.28 cannot
 * build them right inside a build for another platform: it resolves `$BUILDPLATFORM` to the target (the stage
 * runs under QEMU, once per target platform), and a literal pin makes it build every later stage for the pinned
 * platform (an "arm64" image of x86_64 binaries). So Archway builds each such stage on its own, for its platform
 * (the host's for `$BUILDPLATFORM`: native), and hands the image to each platform's build in place of the stage
 * (`rewriteForTarget`). This file decides which stages that is, and writes the two Dockerfiles; the buildah side
 * is `buildah/pinned-stage-builds.ts`.
 */
export interface PinnedStage {
  index: number;
  name: string;
  /** The platform the stage runs on; `build` is the building machine's own (`$BUILDPLATFORM`). */
  platform: Platform | 'build';
  /** A stage a target-platform stage reads (FROM, COPY --from, RUN --mount from): it gets an image of its own. */
  exit: boolean;
}

export interface PinnedPlan {
  stages: PinnedStage[];
  /** Some pinned stage declares a TARGET* arg: its result differs per target platform, so it is built per target. */
  readsTarget: boolean;
}

/** The platform a pinned stage is built for: `build` is the building machine's own. */
export function pinnedPlatform(platform: PinnedStage['platform'], host: Platform): Platform {
  return platform === 'build' ? host : platform;
}

/** No plan: no pinned stage (`why` null), or one Archway cannot build apart (the build goes as buildah has it). */
export type PinnedStages = { plan: PinnedPlan } | { plan: null; why: string | null };

const BUILD_PLATFORM = /^\$(?:BUILDPLATFORM|\{BUILDPLATFORM\})$/;
const TARGET_ARG = /^(?:TARGETPLATFORM|TARGETOS|TARGETARCH|TARGETVARIANT)(?:=|$)/;

/** One stage's instructions with its FROM, and its text: lines `start` to the next stage's FROM. */
interface StageText {
  from: number;
  end: number;
  keywords: Array<{ keyword: string; args: string }>;
}

function stageTexts(text: string): StageText[] {
  const lines = text.split(/\r?\n/).length;
  const out: StageText[] = [];
  for (const ins of parseInstructions(text)) {
    if (ins.keyword === 'FROM') out.push({ from: ins.line, end: lines + 1, keywords: [] });
    const current = out[out.length - 1];
    if (current) current.keywords.push({ keyword: ins.keyword, args: ins.args });
  }
  for (let i = 0; i + 1 < out.length; i++) (out[i] as StageText).end = (out[i + 1] as StageText).from;
  return out;
}

/** The pinned stages of a build of `target`, or why they cannot be built apart. */
export function planPinnedStages(text: string, stages: Stage[], target: string | null): PinnedStages {
  const needed = stagesNeeded(text, stages, target);
  const texts = stageTexts(text);
  const byName = new Map(stages.flatMap((s) => [[String(s.index), s], ...(s.name ? [[s.name, s] as const] : [])]));
  const platformOf = new Map<number, Platform | 'build'>();
  for (const s of needed) {
    const flag = s.platformFlag;
    if (flag !== null && BUILD_PLATFORM.test(flag)) platformOf.set(s.index, 'build');
    else if (flag !== null && isPlatform(flag)) platformOf.set(s.index, flag);
    else if (flag === null) {
      const parent = byName.get(s.base.toLowerCase());
      const inherited = parent && parent.index < s.index ? platformOf.get(parent.index) : undefined;
      if (inherited) platformOf.set(s.index, inherited);
    }
  }
  if (platformOf.size === 0) return { plan: null, why: null };
  const last = needed[needed.length - 1] as Stage;
  if (platformOf.has(last.index))
    return { plan: null, why: `the image itself is built from the pinned stage on line ${last.line}` };
  const exits = new Set<number>();
  for (const s of needed) {
    const reads = [s.base, ...(texts[s.index]?.keywords ?? []).flatMap((k) => fromReferences(k.args))];
    for (const ref of reads) {
      const dep = byName.get(ref.toLowerCase());
      if (!dep || dep.index >= s.index) continue;
      if (/^\d+$/.test(ref) && platformOf.has(dep.index))
        return { plan: null, why: `line ${s.line}'s stage names the pinned stage ${ref} by its number` };
      const mine = platformOf.get(s.index);
      const theirs = platformOf.get(dep.index);
      if (mine !== undefined && theirs !== mine)
        return { plan: null, why: `the pinned stage on line ${s.line} reads a stage built for another platform` };
      if (mine === undefined && theirs !== undefined) exits.add(dep.index);
    }
  }
  const pinned = needed.filter((s) => platformOf.has(s.index));
  for (const s of pinned) {
    if (!s.name) return { plan: null, why: `the pinned stage on line ${s.line} has no name` };
    if (/\\\s*$/.test(text.split(/\r?\n/)[s.line - 1] ?? ''))
      return { plan: null, why: `the FROM on line ${s.line} goes on over several lines` };
  }
  const readsTarget = pinned.some((s) =>
    (texts[s.index]?.keywords ?? []).some(
      (k) => k.keyword === 'ARG' && k.args.split(/\s+/).some((a) => TARGET_ARG.test(a)),
    ),
  );
  return {
    plan: {
      stages: pinned.map((s) => ({
        index: s.index,
        name: s.name as string,
        platform: platformOf.get(s.index) as Platform | 'build',
        exit: exits.has(s.index),
      })),
      readsTarget,
    },
  };
}

function splitLines(text: string): { lines: string[]; prelude: string[]; texts: StageText[] } {
  const lines = text.split(/\r?\n/);
  const texts = stageTexts(text);
  return { lines, prelude: lines.slice(0, (texts[0]?.from ?? 1) - 1), texts };
}

/**
 * The Dockerfile that builds the pinned stages of `platform` alone: the global ARGs and those stages as written,
 * nothing else (a target-platform stage before them would be built for the wrong platform, or fail to pull).
 */
export function pinnedStagesFile(text: string, plan: PinnedPlan, platform: Platform | 'build'): string {
  const { lines, prelude, texts } = splitLines(text);
  const out = [...prelude];
  for (const s of plan.stages.filter((p) => p.platform === platform)) {
    const t = texts[s.index] as StageText;
    out.push(...lines.slice(t.from - 1, t.end - 1));
  }
  return out.join('\n').replace(/\n*$/, '\n');
}

/**
 * The Dockerfile a target platform builds: every pinned stage that a target stage reads becomes
 * `FROM <its built image> AS <name>`, the other pinned stages an empty `FROM scratch` (nothing reads them
 * any more), and the rest stays as written, line for line, so stage numbers and names hold.
 */
export function rewriteForTarget(text: string, plan: PinnedPlan, imageOf: (stage: PinnedStage) => string): string {
  const { lines, prelude, texts } = splitLines(text);
  const out = [...prelude];
  texts.forEach((t, index) => {
    const pinned = plan.stages.find((s) => s.index === index);
    if (!pinned) out.push(...lines.slice(t.from - 1, t.end - 1));
    else out.push(`FROM ${pinned.exit ? imageOf(pinned) : 'scratch'} AS ${pinned.name}`);
  });
  return out.join('\n').replace(/\n*$/, '\n');
}
