import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { formatChecks, runDoctorCommand } from '../../src/cli/doctor.js';
import { binfmtHandlerCheck, enableHandlerFix, parseBinfmtEntry, readBinfmtEntry } from '../../src/host/binfmt.js';
import { checkForeignBinary } from '../../src/host/foreign-binary.js';
import type { HostCheck } from '../../src/host/host-check.js';
import { runHostChecks } from '../../src/host/host-checks.js';
import { repairBinfmt } from '../../src/host/repair-binfmt.js';
import { runChild } from '../../src/process/child.js';

/** Runs the real CLI (`archway doctor ARGS`) with its data dir set to `dataDir`. */
function doctor(dataDir: string, ...args: string[]) {
  const env = { ...process.env, ARCHWAY_DATA_DIR: dataDir };
  return runChild([process.execPath, '--import', 'tsx', 'src/cli/main.ts', 'doctor', ...args], {
    cwd: process.cwd(),
    env,
  });
}

/** Runs runDoctorCommand in this process, capturing what it prints. */
async function doctorInProcess(dataDir: string, ...args: string[]) {
  const saved = process.env.ARCHWAY_DATA_DIR;
  process.env.ARCHWAY_DATA_DIR = dataDir;
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { code: await runDoctorCommand(args), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    if (saved === undefined) delete process.env.ARCHWAY_DATA_DIR;
    else process.env.ARCHWAY_DATA_DIR = saved;
  }
}

const overlayMounts = () =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes('.doctor-overlay-'));

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'archway-doctor-test-'));
});
afterAll(async () => rm(dataDir, { recursive: true, force: true }));

describe('host checks on this machine', () => {
  it('passes every host check, and leaves no overlay mounted', async () => {
    const checks = await runHostChecks(join(dataDir, 'engine'));
    const failures = checks.filter((c) => c.level !== 'ok');
    expect(failures, formatChecks(failures)).toEqual([]);
    expect(checks.map((c) => c.name)).toEqual([
      'buildah',
      'runc',
      'skopeo',
      'docker-registry',
      'git',
      'binfmt_misc',
      'binfmt qemu-aarch64',
      'binfmt qemu-arm',
      'run linux/arm64',
      'run linux/arm/v7',
      'storage writable',
      'storage overlay',
      'disk free',
    ]);
    expect(overlayMounts()).toEqual([]);
  });

  it('runs the foreign arm64 and arm binaries through binfmt: they print ok', async () => {
    for (const handler of ['qemu-aarch64', 'qemu-arm'] as const) {
      const check = await checkForeignBinary(handler);
      expect(check, check.detail).toMatchObject({ ok: true, level: 'ok' });
      expect(check.detail).toContain('printed "ok"');
    }
  });

  it('repairBinfmt leaves the healthy real handlers alone', async () => {
    // Only when both handlers already carry F: the repair must then do nothing (builds run in parallel).
    const entries = await Promise.all([readBinfmtEntry('qemu-aarch64'), readBinfmtEntry('qemu-arm')]);
    expect(entries.every((e) => e?.enabled && e.flags.includes('F'))).toBe(true);
    expect(await repairBinfmt()).toEqual([]);
  });
});

describe('archway doctor', () => {
  it('the CLI prints one line per check and exits 0', async () => {
    const result = await doctor(dataDir);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ok {3}binfmt qemu-aarch64 {2}flags P?F/m);
    expect(result.stdout).toMatch(/^ok {3}run linux\/arm\/v7 /m);
    expect(result.stdout).not.toMatch(/^FAIL/m);
    expect(result.stdout).toContain('all required checks passed');
  });

  it('--json prints checks that parse', async () => {
    const result = await doctorInProcess(dataDir, '--json');
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { ok: boolean; storageDir: string; checks: HostCheck[] };
    expect(report.ok).toBe(true);
    expect(report.storageDir).toBe(join(dataDir, 'engine'));
    expect(report.checks.map((c) => c.name)).toEqual([
      'buildah',
      'runc',
      'skopeo',
      'docker-registry',
      'git',
      'binfmt_misc',
      'binfmt qemu-aarch64',
      'binfmt qemu-arm',
      'run linux/arm64',
      'run linux/arm/v7',
      'storage writable',
      'storage overlay',
      'disk free',
      'built-in registry',
    ]);
    expect(report.checks.find((c) => c.name === 'binfmt qemu-arm')?.detail).toMatch(/F/);
  });

  it('exits 1 and prints the fix when a required check fails (storage dir under a regular file)', async () => {
    const blocker = join(dataDir, 'not-a-dir');
    await writeFile(blocker, 'x');
    const result = await doctorInProcess(blocker);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^FAIL storage writable +.*ENOTDIR/m);
    expect(result.stdout).toContain(`     fix: mkdir -p ${join(blocker, 'engine')}`);
    expect(result.stdout).toMatch(/required checks? failed/);
  });

  it('rejects unknown flags with exit 2', async () => {
    const result = await doctorInProcess(dataDir, '--bogus');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: archway doctor');
  });
});

describe('a handler registered without F', () => {
  it('reports a handler status without F as not ok, with the command that fixes it', () => {
    const text =
      'enabled\ninterpreter /usr/bin/qemu-arm-static\nflags: P\noffset 0\nmagic 7f454c4601010100000000000000000002002800\nmask ffffffffffffff00fffffffffffffffffeffffff\n';
    const check = binfmtHandlerCheck('qemu-arm', parseBinfmtEntry(text), enableHandlerFix('qemu-arm'));
    expect(check.ok).toBe(false);
    expect(check.fix).toBe('echo -1 > /proc/sys/fs/binfmt_misc/qemu-arm && update-binfmts --enable qemu-arm');
    expect(formatChecks([check])).toBe(
      'FAIL binfmt qemu-arm  flags P: no F (fix-binary) flag, so it fails inside build containers\n' +
        '     fix: echo -1 > /proc/sys/fs/binfmt_misc/qemu-arm && update-binfmts --enable qemu-arm',
    );
  });
});
