import { runChild, type ChildRunner } from '../process/child.js';
import { QEMU_HANDLERS, checkBinfmtHandler, checkBinfmtMount } from './binfmt.js';
import { checkForeignBinary } from './foreign-binary.js';
import { failed, type HostCheck } from './host-check.js';
import { checkFreeDisk, checkOverlay, checkStorageWritable } from './storage.js';
import { TOOL_SPECS, checkTool } from './tools.js';

export interface HostCheckOptions {
  run?: ChildRunner;
}

async function storageChecks(storageDir: string, run: ChildRunner): Promise<HostCheck[]> {
  const writable = await checkStorageWritable(storageDir);
  const overlay = writable.ok
    ? await checkOverlay(storageDir, run)
    : failed('storage overlay', 'not tested: the storage dir is not writable', writable.fix);
  return [writable, overlay, await checkFreeDisk(storageDir)];
}

/**
 * Every host prerequisite of the build engine, in a fixed order: buildah (>= 1.28), runc, skopeo, docker-registry
 * (optional), git; binfmt_misc mounted; qemu-aarch64 and qemu-arm registered, enabled, with F; a static arm64 and
 * a static arm binary run through binfmt; `storageDir` (the engine's data dir, created when missing) writable,
 * overlay-mountable, with free space. Never throws: each problem is a check with `ok: false` and, where one
 * exists, the command that fixes it. Changes nothing on the host except creating `storageDir`.
 */
export async function runHostChecks(storageDir: string, opts: HostCheckOptions = {}): Promise<HostCheck[]> {
  const run = opts.run ?? runChild;
  const handlers = QEMU_HANDLERS.map((h) => h.name);
  const [tools, mount, registered, runs, storage] = await Promise.all([
    Promise.all(TOOL_SPECS.map((spec) => checkTool(spec, run))),
    checkBinfmtMount(),
    Promise.all(handlers.map((name) => checkBinfmtHandler(name))),
    Promise.all(handlers.map((name) => checkForeignBinary(name, { run }))),
    storageChecks(storageDir, run),
  ]);
  return [...tools, mount, ...registered, ...runs, ...storage];
}

/** Whether the engine can work: every check ok (warnings count as ok). Never throws. */
export function allRequiredPassed(checks: readonly HostCheck[]): boolean {
  return checks.every((check) => check.ok);
}
