import { describe, expect, it } from 'vitest';
import { DockerfileSyntaxError, parseInstructions, parseStages, stagesNeeded, substitute } from './dockerfile.js';

const FILE = `# syntax=docker/dockerfile:1
ARG REGISTRY=registry.example.com
ARG TAG
FROM \${REGISTRY}/base:\${TAG:-1.0} AS build
RUN echo one \\
    two
FROM --platform=$BUILDPLATFORM registry.example.com/tools:2 AS tools
FROM scratch AS assets
COPY --from=tools /bin/tool /tool
FROM build AS final
COPY --from=assets /tool /tool
FROM final AS debug
`;

describe('Dockerfile reading for pre-flight', () => {
  it('joins continuations and drops comments', () => {
    const run = parseInstructions(FILE).find((i) => i.keyword === 'RUN');
    expect(run).toEqual({ line: 5, keyword: 'RUN', args: 'echo one  two' });
  });

  it("substitutes global ARGs and build args into FROM, with Docker's default forms", () => {
    const stages = parseStages(FILE, new Map([['TAG', '2.5']]));
    expect(stages.map((s) => [s.name, s.base])).toEqual([
      ['build', 'registry.example.com/base:2.5'],
      ['tools', 'registry.example.com/tools:2'],
      ['assets', 'scratch'],
      ['final', 'build'],
      ['debug', 'final'],
    ]);
    expect(parseStages(FILE, new Map())[0]?.base).toBe('registry.example.com/base:1.0');
    expect(stages[1]?.platformFlag).toBe('$BUILDPLATFORM');
    expect(
      substitute(
        '${A:+set}-${B:-def}-$C',
        new Map([
          ['A', 'x'],
          ['C', 'c'],
        ]),
      ),
    ).toBe('set-def-c');
  });

  it('follows FROM and COPY --from to the stages a target needs, and not the ones after it', () => {
    const stages = parseStages(FILE, new Map());
    expect(stagesNeeded(FILE, stages, 'final').map((s) => s.name)).toEqual(['build', 'tools', 'assets', 'final']);
    expect(stagesNeeded(FILE, stages, 'build').map((s) => s.name)).toEqual(['build']);
    const mounts =
      'FROM a AS deps\nFROM b AS other\nFROM c AS final\nRUN --mount=type=bind,from=deps,target=/d --mount=type=cache,from=other,target=/o ls\n';
    expect(stagesNeeded(mounts, parseStages(mounts, new Map()), null).map((s) => s.name)).toEqual([
      'deps',
      'other',
      'final',
    ]);
    expect(stagesNeeded(FILE, stages, null).map((s) => s.name)).toEqual(['build', 'tools', 'assets', 'final', 'debug']);
  });

  it('rejects an instruction before FROM and a file without FROM', () => {
    expect(() => parseStages('RUN x\nFROM a/b', new Map())).toThrow(DockerfileSyntaxError);
    expect(() => parseStages('# nothing\n', new Map())).toThrow(/no FROM/);
  });
});
