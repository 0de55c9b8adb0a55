import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChildResult, ChildRunner } from '../process/child.js';
import { repairBinfmt } from './repair-binfmt.js';

const entry = (flags: string, state = 'enabled') =>
  `${state}\ninterpreter /usr/libexec/qemu-binfmt/arm-binfmt-P\nflags: ${flags}\noffset 0\nmagic 7f454c46\nmask ffffffff\n`;
const ok = (stdout = ''): ChildResult => ({ code: 0, stdout, stderr: '', killedBy: null, aborted: false });

/** A fake binfmt_misc dir (never the real one) and a runner that "registers" handlers with `registerFlags`. */
let root: string;
let calls: string[];
let registerFlags: string;
const run: ChildRunner = async (argv) => {
  calls.push(argv.join(' '));
  if (argv[0] === 'update-binfmts') await writeFile(join(root, argv[2]!), entry(registerFlags));
  if (argv[0] === 'mount') await writeFile(join(root, 'register'), '');
  return ok();
};

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'binfmt-repair-'));
  calls = [];
  registerFlags = 'PF';
});
afterEach(async () => rm(root, { recursive: true, force: true }));

describe('repairBinfmt: missing handlers and mount', () => {
  it('does nothing when every handler is registered with F', async () => {
    await writeFile(join(root, 'register'), '');
    await writeFile(join(root, 'qemu-aarch64'), entry('PF'));
    await writeFile(join(root, 'qemu-arm'), entry('F'));
    expect(await repairBinfmt({ root, run })).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('mounts binfmt_misc and registers missing handlers', async () => {
    const steps = await repairBinfmt({ root, run });
    expect(calls).toEqual([
      `mount -t binfmt_misc binfmt_misc ${root}`,
      'update-binfmts --enable qemu-aarch64',
      'update-binfmts --enable qemu-arm',
    ]);
    expect(steps.every((s) => s.ok)).toBe(true);
  });
});

describe('repairBinfmt: handlers registered wrongly', () => {
  it('removes a handler registered without F, then enables it again', async () => {
    await writeFile(join(root, 'register'), '');
    await writeFile(join(root, 'qemu-aarch64'), entry('PF'));
    await writeFile(join(root, 'qemu-arm'), entry('P'));
    const steps = await repairBinfmt({ root, run });
    expect(steps.map((s) => s.command)).toEqual([
      `echo -1 > ${join(root, 'qemu-arm')}`,
      'update-binfmts --enable qemu-arm',
    ]);
    expect(steps.every((s) => s.ok)).toBe(true);
    expect(await readFile(join(root, 'qemu-arm'), 'utf8')).toContain('flags: PF');
  });

  it('reports a re-registration that still lacks F as failed', async () => {
    await writeFile(join(root, 'register'), '');
    registerFlags = 'P';
    const steps = await repairBinfmt({ root, run, handlers: ['qemu-arm'] });
    expect(steps).toEqual([
      { command: 'update-binfmts --enable qemu-arm', ok: false, detail: 'registered with flags "P", still no F' },
    ]);
  });

  it('enables a disabled handler by writing 1', async () => {
    await writeFile(join(root, 'register'), '');
    await writeFile(join(root, 'qemu-arm'), entry('PF', 'disabled'));
    const steps = await repairBinfmt({ root, run, handlers: ['qemu-arm'] });
    expect(steps).toEqual([{ command: `echo 1 > ${join(root, 'qemu-arm')}`, ok: true, detail: 'done' }]);
    expect(calls).toEqual([]);
  });

  it('reports a runner failure without throwing', async () => {
    await writeFile(join(root, 'register'), '');
    const failing: ChildRunner = () =>
      Promise.reject(new Error('"update-binfmts" is not installed (not found on PATH).'));
    const steps = await repairBinfmt({ root, run: failing, handlers: ['qemu-aarch64'] });
    expect(steps).toEqual([
      {
        command: 'update-binfmts --enable qemu-aarch64',
        ok: false,
        detail: '"update-binfmts" is not installed (not found on PATH).',
      },
    ]);
  });
});
