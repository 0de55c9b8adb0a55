import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runChild, type ChildRunner } from '../process/child.js';
import { BINFMT_ROOT, QEMU_HANDLERS, binfmtMounted, readBinfmtEntry } from './binfmt.js';
import { errorText, lastLine } from './host-check.js';

/** One thing repairBinfmt did: the equivalent shell command, whether it worked, and what came of it. */
export interface RepairStep {
  command: string;
  ok: boolean;
  detail: string;
}

export interface RepairOptions {
  root?: string;
  run?: ChildRunner;
  handlers?: readonly string[];
}

async function runStep(command: readonly string[], run: ChildRunner): Promise<RepairStep> {
  const text = command.join(' ');
  try {
    const result = await run(command, { signal: AbortSignal.timeout(30_000) });
    const out = lastLine(`${result.stdout}\n${result.stderr}`);
    return {
      command: text,
      ok: result.code === 0,
      detail: result.code === 0 ? out || 'done' : `exited ${result.code}: ${out}`,
    };
  } catch (error) {
    return { command: text, ok: false, detail: errorText(error) };
  }
}

async function writeStep(file: string, value: string): Promise<RepairStep> {
  const command = `echo ${value} > ${file}`;
  try {
    await writeFile(file, value);
    return { command, ok: true, detail: 'done' };
  } catch (error) {
    return { command, ok: false, detail: errorText(error) };
  }
}

/** Brings one handler to "enabled with F": removes a registration without F, enables a disabled one, registers a missing one. */
async function repairHandler(name: string, root: string, run: ChildRunner): Promise<RepairStep[]> {
  const steps: RepairStep[] = [];
  let entry = await readBinfmtEntry(name, root);
  if (entry && !entry.flags.includes('F')) {
    const removed = await writeStep(join(root, name), '-1');
    steps.push(removed);
    if (!removed.ok) return steps;
    entry = null;
  }
  if (entry && !entry.enabled) return [...steps, await writeStep(join(root, name), '1')];
  if (entry) return steps;
  const enabled = await runStep(['update-binfmts', '--enable', name], run);
  const after = await readBinfmtEntry(name, root);
  if (enabled.ok && !after?.flags.includes('F')) {
    enabled.ok = false;
    enabled.detail = after ? `registered with flags "${after.flags}", still no F` : `${name} is still not registered`;
  }
  return [...steps, enabled];
}

/**
 * Does what can be done without apt so that the QEMU handlers are registered, enabled and carry the F flag: mounts
 * binfmt_misc when missing, runs `update-binfmts --enable` for a missing handler, removes (`echo -1`) and re-enables
 * one registered without F, enables a disabled one. Handlers that are already fine are left alone, so it is safe
 * while builds run. Needs root. Never throws: each step reports its own failure; an empty list means nothing to do.
 */
export async function repairBinfmt(opts: RepairOptions = {}): Promise<RepairStep[]> {
  const root = opts.root ?? BINFMT_ROOT;
  const run = opts.run ?? runChild;
  const steps: RepairStep[] = [];
  if (!binfmtMounted(root)) steps.push(await runStep(['mount', '-t', 'binfmt_misc', 'binfmt_misc', root], run));
  for (const name of opts.handlers ?? QEMU_HANDLERS.map((h) => h.name))
    steps.push(...(await repairHandler(name, root, run)));
  return steps;
}
