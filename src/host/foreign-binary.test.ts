import { describe, expect, it } from 'vitest';
import type { ChildResult, ChildRunner } from '../process/child.js';
import { checkForeignBinary } from './foreign-binary.js';

const result = (over: Partial<ChildResult>): ChildResult => ({
  code: 0,
  stdout: '',
  stderr: '',
  killedBy: null,
  aborted: false,
  ...over,
});
const runner =
  (r: ChildResult | Error): ChildRunner =>
  async () => {
    if (r instanceof Error) throw r;
    return r;
  };

describe('checkForeignBinary (with a fake runner)', () => {
  it('passes on "ok"', async () => {
    const check = await checkForeignBinary('qemu-aarch64', { run: runner(result({ stdout: 'ok\n' })) });
    expect(check).toMatchObject({ name: 'run linux/arm64', ok: true });
  });

  it('recognises the shell fallback of an ELF the kernel refused (no handler)', async () => {
    const stderr = '/tmp/x/ok-qemu-arm: 1: \x7fELF\x01\x01\x01: not found\n';
    const check = await checkForeignBinary('qemu-arm', { run: runner(result({ code: 127, stderr })) });
    expect(check).toMatchObject({
      ok: false,
      detail: 'the kernel cannot run linux/arm/v7 binaries (no binfmt handler qemu-arm)',
    });
    expect(check.fix).toMatch(/qemu-arm|qemu-user-static/);
  });

  it('recognises ENOEXEC from spawn', async () => {
    const check = await checkForeignBinary('qemu-arm', { run: runner(new Error('cannot start "x": spawn ENOEXEC')) });
    expect(check.detail).toBe('the kernel cannot run linux/arm/v7 binaries (no binfmt handler qemu-arm)');
  });

  it('reports a crash, a wrong output and a timeout', async () => {
    const crash = await checkForeignBinary('qemu-aarch64', {
      run: runner(result({ code: 139, killedBy: 'SIGSEGV', stderr: 'qemu: uncaught target signal 11\n' })),
    });
    expect(crash.detail).toBe('the linux/arm64 test binary exited 139 (SIGSEGV): qemu: uncaught target signal 11');
    const wrong = await checkForeignBinary('qemu-aarch64', { run: runner(result({ stdout: 'nope' })) });
    expect(wrong.detail).toBe('the linux/arm64 test binary exited 0: stdout "nope"');
    const hung = await checkForeignBinary('qemu-aarch64', { run: runner(result({ code: 143, aborted: true })) });
    expect(hung).toMatchObject({ ok: false, detail: 'the linux/arm64 test binary did not finish in time' });
  });
});
