import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Platform } from '../../src/domain/platform.js';
import type { BuildEvent, BuildSpec } from '../../src/app/ports/engine.js';

export const ALL_PLATFORMS: Platform[] = ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6'];

/** A repository directory made by the test: path -> content. */
export function makeRepo(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'archway-repo-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

export function specFor(root: string, registry: string, over: Partial<BuildSpec> = {}): BuildSpec {
  return {
    repoRoot: root,
    contextDir: root,
    dockerfile: join(root, 'Dockerfile'),
    targetStage: null,
    buildArgs: [],
    secret: null,
    platforms: ['linux/amd64'],
    registry,
    repository: `t/${Math.random().toString(36).slice(2, 8)}`,
    tags: ['latest'],
    credentials: null,
    cache: { mode: 'none', key: null, clear: false },
    timeoutMs: null,
    ...over,
  };
}

export function collect(): { events: BuildEvent[]; on: (e: BuildEvent) => void; lines: () => string[] } {
  const events: BuildEvent[] = [];
  return {
    events,
    on: (e) => events.push(e),
    lines: () => events.flatMap((e) => (e.type === 'log' ? [`[${e.platform}] ${e.line}`] : [])),
  };
}

/** Two stages with ARGs, RUN uname -m, a RUN with the secret mount, and a stage after the target that must fail. */
export const TWO_STAGE_DOCKERFILE = (base: string) => `
ARG BASE=${base}
FROM \${BASE} AS build
ARG GREETING=hello
ARG TARGETPLATFORM
ARG TARGETARCH
ARG TARGETVARIANT
RUN uname -m > /arch.txt && echo "target=$TARGETPLATFORM arch=$TARGETARCH variant=$TARGETVARIANT" > /platform.txt
RUN --mount=type=secret,id=token test -s /run/secrets/token && wc -c < /run/secrets/token > /secret-len.txt && echo "secret seen"
RUN echo "$GREETING from $(cat /arch.txt)" > /greeting.txt

FROM \${BASE} AS final
COPY --from=build /arch.txt /platform.txt /greeting.txt /secret-len.txt /out/
COPY app/message.txt /out/message.txt
RUN echo "final stage on $(uname -m)" > /out/final.txt
CMD ["cat", "/out/arch.txt"]

FROM final AS debug
RUN echo "debug stage must not run" && false
`;
