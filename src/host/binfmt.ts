import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorText, failed, passed, type HostCheck } from './host-check.js';

/** Where the kernel shows binfmt_misc registrations (when the filesystem is mounted). */
export const BINFMT_ROOT = '/proc/sys/fs/binfmt_misc';

/** The QEMU handlers the engine needs (linux/arm64, and linux/arm/v7 + v6), with the platform each serves. */
export const QEMU_HANDLERS = [
  { name: 'qemu-aarch64', platform: 'linux/arm64' },
  { name: 'qemu-arm', platform: 'linux/arm/v7, linux/arm/v6' },
] as const;

export type QemuHandlerName = (typeof QEMU_HANDLERS)[number]['name'];

/** Where binfmt-support keeps the handlers it can `--enable` (qemu-user-static imports them there). */
export const BINFMTS_ADMIN_DIR = '/var/lib/binfmts';

export const MOUNT_BINFMT_FIX = `mount -t binfmt_misc binfmt_misc ${BINFMT_ROOT}`;
export const INSTALL_QEMU_FIX = 'apt-get install -y --no-install-recommends qemu-user-static binfmt-support';

/** One handler's file under /proc/sys/fs/binfmt_misc, e.g. `enabled / interpreter … / flags: PF / offset 0 / magic …`. */
export interface BinfmtEntry {
  enabled: boolean;
  interpreter: string;
  /** The flag letters, e.g. `PF`; empty when the kernel printed none. */
  flags: string;
  offset: number;
  magic: string;
  mask: string;
}

/** Parses a handler file's text. Returns null when it has no `enabled`/`disabled` line (not a handler entry); never throws. */
export function parseBinfmtEntry(text: string): BinfmtEntry | null {
  const lines = text.split('\n').map((l) => l.trim());
  const state = lines[0];
  if (state !== 'enabled' && state !== 'disabled') return null;
  const field = (key: string): string => {
    const line = lines.find((l) => l === key || l.startsWith(`${key} `) || l.startsWith(`${key}:`));
    return line === undefined ? '' : line.slice(key.length).replace(/^:/, '').trim();
  };
  return {
    enabled: state === 'enabled',
    interpreter: field('interpreter'),
    flags: field('flags'),
    offset: Number(field('offset') || 0),
    magic: field('magic'),
    mask: field('mask'),
  };
}

/** The command that (re)registers a handler with the F flag. Never throws. */
export function enableHandlerFix(name: string, adminDir = BINFMTS_ADMIN_DIR): string {
  return existsSync(join(adminDir, name)) ? `update-binfmts --enable ${name}` : INSTALL_QEMU_FIX;
}

/**
 * The check for one handler, from its parsed entry (null: not registered). Not ok when it is missing, disabled, or
 * registered without the F flag (then it breaks inside chroots and containers); `fix` is the command for each case.
 * Pure, never throws.
 */
export function binfmtHandlerCheck(name: string, entry: BinfmtEntry | null, enableFix: string): HostCheck {
  const label = `binfmt ${name}`;
  if (!entry) return failed(label, 'not registered', enableFix);
  const flags = `flags ${entry.flags || '(none)'}`;
  if (!entry.flags.includes('F')) {
    const file = join(BINFMT_ROOT, name);
    return failed(
      label,
      `${flags}: no F (fix-binary) flag, so it fails inside build containers`,
      `echo -1 > ${file} && ${enableFix}`,
    );
  }
  if (!entry.enabled) return failed(label, `${flags}, disabled`, `echo 1 > ${join(BINFMT_ROOT, name)}`);
  return passed(label, flags);
}

/** Reads and parses a handler's file; null when it is absent or unreadable. Never throws. */
export async function readBinfmtEntry(name: string, root = BINFMT_ROOT): Promise<BinfmtEntry | null> {
  try {
    return parseBinfmtEntry(await readFile(join(root, name), 'utf8'));
  } catch {
    return null;
  }
}

/** Whether binfmt_misc is mounted (its `register` file exists). Never throws. */
export function binfmtMounted(root = BINFMT_ROOT): boolean {
  return existsSync(join(root, 'register'));
}

/** Fails when binfmt_misc is not mounted or is globally disabled, with the command that fixes it. Never throws. */
export async function checkBinfmtMount(root = BINFMT_ROOT): Promise<HostCheck> {
  if (!binfmtMounted(root)) return failed('binfmt_misc', `not mounted at ${root}`, MOUNT_BINFMT_FIX);
  try {
    const status = (await readFile(join(root, 'status'), 'utf8')).trim();
    if (status !== 'enabled') return failed('binfmt_misc', `mounted but ${status}`, `echo 1 > ${join(root, 'status')}`);
    return passed('binfmt_misc', `mounted at ${root}, enabled`);
  } catch (error) {
    return failed('binfmt_misc', `cannot read ${join(root, 'status')}: ${errorText(error)}`, MOUNT_BINFMT_FIX);
  }
}

/** The check of one QEMU handler as registered in the kernel now (see binfmtHandlerCheck). Never throws. */
export async function checkBinfmtHandler(name: string, root = BINFMT_ROOT): Promise<HostCheck> {
  return binfmtHandlerCheck(name, await readBinfmtEntry(name, root), enableHandlerFix(name));
}
