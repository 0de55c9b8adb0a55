import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBuildahEngine } from '../../src/engine/buildah/buildah-engine.js';
import { runEngineContract } from '../../src/engine/engine.contract.js';
import { runChild } from '../../src/process/child.js';
import { ensureBusyboxBase } from '../support/busybox-base.js';
import { startOpenRegistry } from '../support/registry.js';
import { makeRepo, specFor } from './helpers.js';

/**
 * The Engine contract against buildah under QEMU: busybox Dockerfiles of one or two steps, amd64 (native) and
 * arm64 (emulated) for the build that succeeds, amd64 alone for the rest, a local registry on 127.0.0.1.
 */
runEngineContract('buildah', async () => {
  const work = mkdtempSync(join(tmpdir(), 'archway-contract-'));
  const registry = await startOpenRegistry(join(work, 'registry'));
  const base = await ensureBusyboxBase(registry.host);
  const dir = join(work, 'engine');
  const engine = createBuildahEngine({ dir, access: { insecure: [registry.host], caDir: null } });
  const repo = (dockerfile: string) => makeRepo({ Dockerfile: dockerfile });
  const roots = {
    ok: repo(`FROM ${base}\nRUN echo "built on $(uname -m)" > /built.txt\n`),
    failing: repo(`FROM ${base}\nRUN false\n`),
    // A sleep no other test runs, so that a left-over one is this contract's.
    hanging: repo(`FROM ${base}\nRUN sleep 67\n`),
  };
  return {
    engine,
    succeeding: () =>
      specFor(roots.ok, registry.host, { platforms: ['linux/amd64', 'linux/arm64'], tags: ['latest', 'v1'] }),
    failing: () => specFor(roots.failing, registry.host),
    hanging: () => specFor(roots.hanging, registry.host),
    async leftovers() {
      await sleep(300); // the killed RUN's process group takes a moment to go (test/engine/cancel.test.ts)
      const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
        .split('\n')
        .filter((l) => l.includes(dir));
      const builds = existsSync(join(dir, 'builds')) ? readdirSync(join(dir, 'builds')) : [];
      const sleeping = (await runChild(['pgrep', '-af', 'sleep 67'])).stdout.trim();
      return [...mounts, ...builds.map((b) => `build dir ${b}`), ...(sleeping ? [`running: ${sleeping}`] : [])];
    },
    timeoutMs: 3_000,
    stopWithinMs: 10_000,
    async close() {
      await registry.stop();
      for (const d of [work, ...Object.values(roots)]) rmSync(d, { recursive: true, force: true });
    },
  };
});
