import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseStages } from './dockerfile.js';
import { pinnedStagesFile, planPinnedStages, rewriteForTarget, type PinnedPlan } from './pinned-stages.js';

const CROSS = `# syntax=docker/dockerfile:1
ARG GO=1.22
FROM --platform=$BUILDPLATFORM golang:\${GO} AS build
ARG TARGETOS TARGETARCH
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app \\
    ./cmd/app
FROM build AS tested
RUN /bin/true
FROM alpine AS final
COPY --from=tested /out/app /app
`;

const plan = (text: string, target: string | null = null) =>
  planPinnedStages(text, parseStages(text, new Map()), target);

describe('pinned stages', () => {
  it('finds a $BUILDPLATFORM stage, the stages FROM it, which one the image reads, and TARGET* args', () => {
    expect(plan(CROSS)).toEqual({
      plan: {
        stages: [
          { index: 0, name: 'build', platform: 'build', exit: false },
          { index: 1, name: 'tested', platform: 'build', exit: true },
        ],
        readsTarget: true,
      },
    });
  });

  it('a stage that declares no TARGET* arg is the same for every target', () => {
    const text =
      'FROM --platform=${BUILDPLATFORM} tools AS gen\nARG BUILDARCH\nRUN gen > /x\nFROM base\nCOPY --from=gen /x /x\n';
    expect(plan(text)).toMatchObject({ plan: { readsTarget: false, stages: [{ name: 'gen', exit: true }] } });
  });

  it('a literal pin is a pinned stage of that platform; $TARGETPLATFORM and no flag are not', () => {
    const text =
      'FROM --platform=linux/amd64 tools AS gen\nFROM --platform=$TARGETPLATFORM base AS b\nCOPY --from=gen /x /x\nFROM b\n';
    expect(plan(text)).toMatchObject({ plan: { stages: [{ name: 'gen', platform: 'linux/amd64', exit: true }] } });
    expect(plan('FROM base AS a\nFROM a\n')).toEqual({ plan: null, why: null });
  });

  it('says why a pinned stage cannot be built apart', () => {
    const why = (text: string, target: string | null = null) => {
      const p = plan(text, target);
      return p.plan === null ? p.why : 'planned';
    };
    expect(why('FROM --platform=$BUILDPLATFORM tools AS gen\nRUN x\n')).toMatch(
      /image itself is built from the pinned stage on line 1/,
    );
    expect(why(CROSS, 'tested')).toMatch(/image itself/);
    expect(
      why(
        'FROM base AS deps\nFROM --platform=$BUILDPLATFORM tools AS gen\nCOPY --from=deps /a /a\nFROM base\nCOPY --from=gen /a /a\n',
      ),
    ).toMatch(/reads a stage built for another platform/);
    expect(why('FROM --platform=$BUILDPLATFORM tools\nRUN x\nFROM base\nCOPY --from=0 /a /a\n')).toMatch(
      /by its number/,
    );
    expect(why('FROM --platform=$BUILDPLATFORM \\\n  tools AS gen\nFROM base\nCOPY --from=gen /a /a\n')).toMatch(
      /several lines/,
    );
    // a pinned stage nothing needs is no reason to build anything apart
    expect(why('FROM --platform=$BUILDPLATFORM tools AS unused\nFROM base\n')).toBeNull();
  });

  it('the stages file holds the global ARGs and the pinned stages of one platform, as written', () => {
    const p = plan(CROSS).plan as PinnedPlan;
    expect(pinnedStagesFile(CROSS, p, 'build')).toBe(
      `# syntax=docker/dockerfile:1
ARG GO=1.22
FROM --platform=$BUILDPLATFORM golang:\${GO} AS build
ARG TARGETOS TARGETARCH
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app \\
    ./cmd/app
FROM build AS tested
RUN /bin/true
`,
    );
    expect(pinnedStagesFile(CROSS, p, 'linux/arm64')).toBe('# syntax=docker/dockerfile:1\nARG GO=1.22\n');
  });

  it('the target file swaps the pinned stages for their images and keeps every other line', () => {
    const p = plan(CROSS).plan as PinnedPlan;
    expect(rewriteForTarget(CROSS, p, (s) => `localhost/archway-stage:${s.name}`)).toBe(
      `# syntax=docker/dockerfile:1
ARG GO=1.22
FROM scratch AS build
FROM localhost/archway-stage:tested AS tested
FROM alpine AS final
COPY --from=tested /out/app /app
`,
    );
  });

  it('property: the target file has the same stages, named alike, and the unpinned ones unchanged', () => {
    const stageArb = fc.record({
      pinned: fc.boolean(),
      body: fc.array(fc.constantFrom('RUN a', 'RUN b \\\n  c', '# note', '', 'ARG TARGETARCH', 'ENV X=1'), {
        maxLength: 4,
      }),
    });
    fc.assert(
      fc.property(fc.array(stageArb, { minLength: 1, maxLength: 5 }), (specs) => {
        const parts = specs.map((s, i) =>
          [`FROM ${s.pinned ? '--platform=$BUILDPLATFORM ' : ''}base${i} AS s${i}`, ...s.body].join('\n'),
        );
        // the image reads every earlier stage, so each pinned one is an exit
        const final = `FROM base\n${specs.map((_s, i) => `COPY --from=s${i} /x /x${i}`).join('\n')}`;
        const text = ['ARG A=1', ...parts, final].join('\n') + '\n';
        const got = plan(text);
        const anyPinned = specs.some((s) => s.pinned);
        expect(got.plan !== null).toBe(anyPinned);
        if (!got.plan) return;
        const out = rewriteForTarget(text, got.plan, (s) => `img-${s.name}`);
        const stages = parseStages(out, new Map());
        expect(stages.map((s) => s.name)).toEqual([...specs.map((_s, i) => `s${i}`), null]);
        specs.forEach((s, i) => {
          expect(stages[i]?.base).toBe(s.pinned ? `img-s${i}` : `base${i}`);
          if (!s.pinned) expect(out).toContain(parts[i]);
        });
        expect(out.endsWith(final + '\n')).toBe(true);
      }),
    );
  });
});
