import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChild } from '../../src/process/child.js';
import type { LocalRegistry } from '../../src/registry-server/local-registry.js';
import { ensureBusyboxBase } from '../support/busybox-base.js';
import { fetchImage, rawIndex, unpackLayers } from '../support/image-files.js';
import { startOpenRegistry } from '../support/registry.js';
import { makeRepo, TWO_STAGE_DOCKERFILE } from './helpers.js';

const SECRET = 'archway-secret-7f3a9c-DO-NOT-LEAK';

/** `archway build` from the command line (the real CLI through tsx), the way a user types it. */
function archwayBuild(args: string[], env: Record<string, string>, input = '') {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'build', ...args], {
    cwd: join(import.meta.dirname, '../..'),
    env: { ...process.env, ...env },
    input,
    encoding: 'utf8',
    timeout: 240_000,
  });
}

describe('archway build: a real 4-platform build pushed to a local registry', () => {
  let registry: LocalRegistry;
  let work: string;
  let base: string;
  let repo: string;
  let out: ReturnType<typeof archwayBuild>;
  const reference = () => `${registry.host}/team/app`;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'archway-build-'));
    registry = await startOpenRegistry(join(work, 'registry'));
    base = await ensureBusyboxBase(registry.host);
    repo = makeRepo({
      'docker/Dockerfile': TWO_STAGE_DOCKERFILE(base),
      'docker/app/message.txt': 'from the context\n',
      'secrets/token.txt': SECRET,
    });
    out = archwayBuild(
      [
        '--workdir',
        repo,
        '--context-path',
        '/docker',
        '--dockerfile-path',
        'docker/Dockerfile',
        '--target-stage',
        'final',
        '--build-arg',
        'GREETING=hi',
        '--secret-id',
        'token',
        '--secret-src',
        'secrets/token.txt',
        '--target-platform',
        'linux/amd64,linux/arm64,linux/arm/v7,linux/arm/v6',
        '--repository',
        reference(),
        '--docker-image-tag',
        '1.0',
        '--versions',
        'latest',
      ],
      { ARCHWAY_DATA_DIR: join(work, 'data'), ARCHWAY_INSECURE_REGISTRIES: registry.host },
    );
  });
  afterAll(async () => {
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  it('exits 0 with a summary naming the index digest and each platform', () => {
    expect(out.status, out.stderr + out.stdout).toBe(0);
    expect(out.stdout).toMatch(/image index sha256:[0-9a-f]{64}/);
    for (const p of ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6'])
      expect(out.stdout).toMatch(new RegExp(`${p.replaceAll('/', '\\/')}\\s+sha256:[0-9a-f]{64}\\s+(emulated|native)`));
    expect(out.stdout).toContain('[linux/arm64] [1/2] STEP');
    expect(out.stdout).not.toContain('debug stage must not run');
  });

  it('pushes one OCI index with exactly the four platforms under both tags', async () => {
    const index = await rawIndex(`${reference()}:1.0`);
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    const platforms = index.manifests
      .map((m: any) => [m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join('/'))
      .sort();
    // arm64 may carry variant v8
    expect(platforms.map((p: string) => p.replace('linux/arm64/v8', 'linux/arm64'))).toEqual([
      'linux/amd64',
      'linux/arm/v6',
      'linux/arm/v7',
      'linux/arm64',
    ]);
    expect(index.manifests).toHaveLength(4);
    expect((await rawIndex(`${reference()}:latest`)).manifests.map((m: any) => m.digest).sort()).toEqual(
      index.manifests.map((m: any) => m.digest).sort(),
    );
  });

  it('ran each RUN step on its own architecture, with the build args and TARGET* filled in', async () => {
    const index = await rawIndex(`${reference()}:1.0`);
    const expected: Record<string, string> = {
      amd64: 'x86_64',
      arm64: 'aarch64',
      'arm/v7': 'armv7l',
      'arm/v6': 'armv7l',
    };
    for (const m of index.manifests) {
      const key = m.platform.architecture === 'arm' ? `arm/${m.platform.variant}` : m.platform.architecture;
      const image = await fetchImage(`${reference()}@${m.digest}`, join(work, 'img', key.replace('/', '-')));
      expect(image.config.architecture).toBe(m.platform.architecture);
      if (m.platform.architecture === 'arm') expect(image.config.variant).toBe(m.platform.variant);
      const rootfs = await unpackLayers(image, join(work, 'rootfs', key.replace('/', '-')));
      expect(readFileSync(join(rootfs, 'out/arch.txt'), 'utf8').trim()).toBe(expected[key]);
      expect(readFileSync(join(rootfs, 'out/platform.txt'), 'utf8')).toContain(`target=linux/${key}`);
      expect(readFileSync(join(rootfs, 'out/greeting.txt'), 'utf8').trim()).toBe(`hi from ${expected[key]}`);
      expect(readFileSync(join(rootfs, 'out/message.txt'), 'utf8')).toBe('from the context\n');
      expect(readFileSync(join(rootfs, 'out/secret-len.txt'), 'utf8').trim()).toBe(String(SECRET.length));
      // The secret's bytes are in no layer and not in the config.
      for (const blob of image.blobs) expect(blob.includes(Buffer.from(SECRET))).toBe(false);
    }
  });

  it('proves arm/v6 is ARMv6 code: its busybox runs on an ARMv6 CPU model where the v7 one traps', async () => {
    const v6 = join(work, 'rootfs/arm-v6/bin/busybox');
    const v7 = join(work, 'rootfs/arm-v7/bin/busybox');
    expect(existsSync(v6) && existsSync(v7)).toBe(true);
    const onV6 = await runChild(['qemu-arm-static', '-cpu', 'arm1176', v6, 'uname', '-m']);
    expect(onV6.stdout.trim()).toBe('armv6l');
    const v7OnV6 = await runChild(['qemu-arm-static', '-cpu', 'arm1176', v7, 'uname', '-m']);
    expect(v7OnV6.code === 132 || v7OnV6.killedBy === 'SIGILL').toBe(true);
  });

  it('leaves no mounts, build dirs or auth files behind', async () => {
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
    expect(mounts).not.toContain(join(work, 'data'));
    const builds = join(work, 'data/engine/builds');
    const left = existsSync(builds) ? (await runChild(['find', builds, '-mindepth', '1'])).stdout.trim() : '';
    expect(left).toBe('');
  });
});
