import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Platform } from '../../src/domain/platform.js';
import type { BuildEvent, BuildSpec } from '../../src/engine/engine.js';

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
    repoRoot: root, contextDir: root, dockerfile: join(root, 'Dockerfile'), targetStage: null, buildArgs: [], secret: null,
    platforms: ['linux/amd64'], registry, repository: `t/${Math.random().toString(36).slice(2, 8)}`, tags: ['latest'],
    credentials: null, cache: { mode: 'none', key: null, clear: false }, timeoutMs: null, ...over,
  };
}

export function collect(): { events: BuildEvent[]; on: (e: BuildEvent) => void; lines: () => string[] } {
  const events: BuildEvent[] = [];
  return { events, on: (e) => events.push(e), lines: () => events.flatMap((e) => (e.type === 'log' ? [`[${e.platform}] ${e.line}`] : [])) };
}
