import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildError } from '../../src/domain/errors.js';
import { createBuildahEngine } from '../../src/engine/buildah/buildah-engine.js';
import type { Engine } from '../../src/app/ports/engine.js';
import { runChild } from '../../src/process/child.js';
import type { LocalRegistry } from '../../src/registry-server/local-registry.js';
import { ensureBusyboxBase } from '../support/busybox-base.js';
import { rawIndex } from '../support/image-files.js';
import { startOpenRegistry } from '../support/registry.js';
import { makeRepo, specFor } from './helpers.js';

async function processesRunning(pattern: string): Promise<string> {
  return (await runChild(['pgrep', '-af', pattern])).stdout.trim();
}

/** Cancel and timeout stop the whole process group (chroot RUN steps included) and leave nothing behind. */
describe('cancel and timeout', () => {
  let work: string;
  let registry: LocalRegistry;
  let base: string;
  let engine: Engine;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'archway-cancel-'));
    registry = await startOpenRegistry(join(work, 'registry'));
    base = await ensureBusyboxBase(registry.host);
    engine = createBuildahEngine({ dir: join(work, 'engine'), access: { insecure: [registry.host], caDir: null } });
  });
  afterAll(async () => {
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  function expectClean() {
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(join(work, 'engine'));
    const builds = join(work, 'engine/builds');
    expect(existsSync(builds) ? readdirSync(builds) : []).toEqual([]);
  }

  it('CANCELLED mid-RUN: the RUN processes die, no tag is pushed, nothing is left behind', async () => {
    const root = makeRepo({ Dockerfile: `FROM ${base}\nRUN echo started && sleep 41 && echo never\n` });
    const spec = specFor(root, registry.host, { platforms: ['linux/amd64', 'linux/arm64'] });
    const cancel = new AbortController();
    let sawRun = false;
    const started = Date.now();
    const pending = engine
      .build({ ...spec, signal: cancel.signal }, (e) => {
        if (e.type === 'log' && e.line === 'started' && !sawRun) {
          sawRun = true;
          setTimeout(() => cancel.abort(), 500);
        }
      })
      .catch((e: unknown) => e);
    const error = await pending;
    expect(sawRun).toBe(true);
    expect(error).toBeInstanceOf(BuildError);
    expect((error as BuildError).reason).toBe('CANCELLED');
    expect((error as BuildError).message).toBe('The build was cancelled.');
    expect(Date.now() - started).toBeLessThan(30_000);
    await sleep(300);
    expect(await processesRunning('sleep 41')).toBe('');
    await expect(rawIndex(`${spec.registry}/${spec.repository}:latest`)).rejects.toThrow(
      /manifest unknown|name unknown/,
    );
    expectClean();
    rmSync(root, { recursive: true, force: true });
  });

  it('TIMEOUT: the action timeout stops the build with a sentence naming it', async () => {
    const root = makeRepo({ Dockerfile: `FROM ${base}\nRUN sleep 42\n` });
    const started = Date.now();
    const error = await engine
      .build(specFor(root, registry.host, { timeoutMs: 3_000 }), () => undefined)
      .catch((e: unknown) => e);
    expect((error as BuildError).reason).toBe('TIMEOUT');
    expect((error as BuildError).message).toBe('The build took longer than its timeout of 3 s and was stopped.');
    expect(Date.now() - started).toBeLessThan(15_000);
    await sleep(300);
    expect(await processesRunning('sleep 42')).toBe('');
    expectClean();
    rmSync(root, { recursive: true, force: true });
  });
});
