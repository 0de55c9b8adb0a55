import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  INSTALL_QEMU_FIX,
  MOUNT_BINFMT_FIX,
  binfmtHandlerCheck,
  checkBinfmtMount,
  enableHandlerFix,
  parseBinfmtEntry,
} from './binfmt.js';

const AARCH64_ENTRY = `enabled
interpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P
flags: PF
offset 0
magic 7f454c460201010000000000000000000200b700
mask ffffffffffffff00fffffffffffffffffeffffff
`;
const FIX = 'update-binfmts --enable qemu-aarch64';

describe('parseBinfmtEntry', () => {
  it('reads every field of a kernel handler entry', () => {
    expect(parseBinfmtEntry(AARCH64_ENTRY)).toEqual({
      enabled: true,
      interpreter: '/usr/libexec/qemu-binfmt/aarch64-binfmt-P',
      flags: 'PF',
      offset: 0,
      magic: '7f454c460201010000000000000000000200b700',
      mask: 'ffffffffffffff00fffffffffffffffffeffffff',
    });
  });

  it('reads a disabled entry and an empty flags line', () => {
    const entry = parseBinfmtEntry(AARCH64_ENTRY.replace('enabled', 'disabled').replace('flags: PF', 'flags: '));
    expect(entry).toMatchObject({ enabled: false, flags: '' });
  });

  it('returns null for text that is not a handler entry', () => {
    expect(parseBinfmtEntry('')).toBeNull();
    expect(parseBinfmtEntry('enabled-ish\n')).toBeNull();
  });
});

describe('binfmtHandlerCheck', () => {
  it('passes a registered, enabled handler with F', () => {
    expect(binfmtHandlerCheck('qemu-aarch64', parseBinfmtEntry(AARCH64_ENTRY), FIX)).toEqual({
      name: 'binfmt qemu-aarch64',
      ok: true,
      level: 'ok',
      detail: 'flags PF',
    });
  });

  it('fails a handler without F and says how to re-register it', () => {
    const check = binfmtHandlerCheck(
      'qemu-aarch64',
      parseBinfmtEntry(AARCH64_ENTRY.replace('flags: PF', 'flags: P')),
      FIX,
    );
    expect(check).toMatchObject({ ok: false, level: 'fail', detail: expect.stringMatching(/^flags P: no F/) });
    expect(check.fix).toBe(`echo -1 > /proc/sys/fs/binfmt_misc/qemu-aarch64 && ${FIX}`);
  });

  it('fails a disabled handler with the command that enables it', () => {
    const check = binfmtHandlerCheck(
      'qemu-aarch64',
      parseBinfmtEntry(AARCH64_ENTRY.replace('enabled', 'disabled')),
      FIX,
    );
    expect(check).toMatchObject({ ok: false, fix: 'echo 1 > /proc/sys/fs/binfmt_misc/qemu-aarch64' });
  });

  it('fails a missing handler with the enable command', () => {
    expect(binfmtHandlerCheck('qemu-aarch64', null, FIX)).toMatchObject({
      ok: false,
      detail: 'not registered',
      fix: FIX,
    });
  });
});

describe('binfmt_misc mount and fixes', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('fails when binfmt_misc is not mounted, or globally disabled', async () => {
    dir = await mkdtemp(join(tmpdir(), 'binfmt-test-'));
    expect(await checkBinfmtMount(dir)).toMatchObject({ ok: false, fix: MOUNT_BINFMT_FIX });
    await writeFile(join(dir, 'register'), '');
    await writeFile(join(dir, 'status'), 'disabled\n');
    expect(await checkBinfmtMount(dir)).toMatchObject({ ok: false, detail: 'mounted but disabled' });
    await writeFile(join(dir, 'status'), 'enabled\n');
    expect(await checkBinfmtMount(dir)).toMatchObject({ ok: true });
  });

  it('suggests update-binfmts only when binfmt-support knows the handler', async () => {
    dir = await mkdtemp(join(tmpdir(), 'binfmts-admin-'));
    expect(enableHandlerFix('qemu-arm', dir)).toBe(INSTALL_QEMU_FIX);
    await writeFile(join(dir, 'qemu-arm'), 'magic\n');
    expect(enableHandlerFix('qemu-arm', dir)).toBe('update-binfmts --enable qemu-arm');
  });
});
