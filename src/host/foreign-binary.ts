import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inheritedEnv, runChild, type ChildRunner } from '../process/child.js';
import { enableHandlerFix, type QemuHandlerName } from './binfmt.js';
import { errorText, failed, lastLine, passed, type HostCheck } from './host-check.js';
import { TINY_ELVES } from './tiny-elf.js';

export interface ForeignBinaryOptions {
  run?: ChildRunner;
  /** Where the temporary executable goes (default: the OS temp dir; it must not be mounted noexec). */
  tmpDir?: string;
  timeoutMs?: number;
}

/** The children's environment without QEMU_* variables (QEMU_CPU=arm1176 would make the aarch64 run fail). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(inheritedEnv()).filter(([key]) => !key.startsWith('QEMU_')));
}

function notRecognised(platform: string, handler: string): string {
  return `the kernel cannot run ${platform} binaries (no binfmt handler ${handler})`;
}

/** Control and non-ASCII characters as `?`, at most 160 characters. */
function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 160);
}

/**
 * Writes the tiny foreign ELF served by `handler` to a temp file (mode 0755), executes it directly — so the kernel must
 * pass it to QEMU through binfmt_misc — and expects "ok" on stdout. Not ok, with the fix command, when the kernel
 * refuses it (ENOEXEC: no handler), it exits non-zero, prints something else or hangs (timeout). Never throws;
 * the temp dir is always removed.
 */
export async function checkForeignBinary(
  handler: QemuHandlerName,
  opts: ForeignBinaryOptions = {},
): Promise<HostCheck> {
  const { platform, bytes } = TINY_ELVES[handler];
  const name = `run ${platform}`;
  const fix = enableHandlerFix(handler);
  let dir: string | undefined;
  try {
    dir = await mkdtemp(join(opts.tmpDir ?? tmpdir(), 'archway-doctor-'));
    const file = join(dir, `ok-${handler}`);
    await writeFile(file, bytes);
    await chmod(file, 0o755);
    const result = await (opts.run ?? runChild)([file], {
      env: cleanEnv(),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
    });
    if (result.aborted) return failed(name, `the ${platform} test binary did not finish in time`, fix);
    if (result.code === 0 && result.stdout.trim() === 'ok')
      return passed(name, `a static ${platform} binary printed "ok" via binfmt ${handler}`);
    // With no handler the kernel says ENOEXEC and execvp() hands the file to /bin/sh, which fails on the ELF bytes.
    if (result.stderr.includes('\x7fELF')) return failed(name, notRecognised(platform, handler), fix);
    const why = printable(lastLine(result.stderr)) || `stdout ${JSON.stringify(result.stdout.slice(0, 40))}`;
    return failed(
      name,
      `the ${platform} test binary exited ${result.code}${result.killedBy ? ` (${result.killedBy})` : ''}: ${why}`,
      fix,
    );
  } catch (error) {
    const text = errorText(error);
    const detail = /ENOEXEC|Exec format error/i.test(text)
      ? notRecognised(platform, handler)
      : `cannot run the ${platform} test binary: ${text}`;
    return failed(name, detail, fix);
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
