import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.js';
import type { HostCheck } from '../host/host-check.js';
import { allRequiredPassed, runHostChecks } from '../host/host-checks.js';
import { repairBinfmt, type RepairStep } from '../host/repair-binfmt.js';
import { checkBuiltInRegistry } from '../host/builtin-registry-check.js';

const USAGE = `usage: archway doctor [--json] [--repair]

  Checks the build engine's host prerequisites and prints, for each failure, the command that fixes it.
  --repair  first mount binfmt_misc and (re)register the QEMU handlers with the F flag (root; no apt)
  --json    print {ok, storageDir, repairs, checks} as JSON
`;

const LABELS = { ok: 'ok', warn: 'warn', fail: 'FAIL' } as const;

/** The checks as aligned lines: `ok   NAME  DETAIL`, and `     fix: COMMAND` under a failure or warning. Never throws. */
export function formatChecks(checks: readonly HostCheck[]): string {
  const width = Math.max(0, ...checks.map((c) => c.name.length));
  return checks
    .map((c) => {
      const line = `${LABELS[c.level].padEnd(5)}${c.name.padEnd(width)}  ${c.detail}`;
      return c.fix && c.level !== 'ok' ? `${line}\n     fix: ${c.fix}` : line;
    })
    .join('\n');
}

/** The repair steps as lines (`repair ok   COMMAND  (DETAIL)`). Never throws. */
export function formatRepairs(steps: readonly RepairStep[]): string {
  if (steps.length === 0) return 'repair: nothing to do';
  return steps.map((s) => `repair ${s.ok ? 'ok  ' : 'FAIL'} ${s.command}  (${s.detail})`).join('\n');
}

function parseDoctorArgs(args: string[]): { json: boolean; repair: boolean; help: boolean } | null {
  try {
    const { values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        json: { type: 'boolean', default: false },
        repair: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    return { json: values.json ?? false, repair: values.repair ?? false, help: values.help ?? false };
  } catch {
    return null;
  }
}

/**
 * `archway doctor [--json] [--repair]`: runs the host checks against `$ARCHWAY_DATA_DIR/engine` and prints them.
 * Returns 0 when every required check passes (warnings allowed), 1 otherwise, 2 on bad arguments. Throws only
 * what loadConfig throws (a ConfigError naming a bad environment variable).
 */
export async function runDoctorCommand(args: string[]): Promise<number> {
  const options = parseDoctorArgs(args);
  if (!options || options.help) {
    (options ? process.stdout : process.stderr).write(USAGE);
    return options ? 0 : 2;
  }
  const config = loadConfig();
  const storageDir = join(config.dataDir, 'engine');
  const repairs = options.repair ? await repairBinfmt() : undefined;
  const checks = [
    ...(await runHostChecks(storageDir)),
    await checkBuiltInRegistry({ ...config.builtInRegistry, dataDir: config.dataDir }),
  ];
  const ok = allRequiredPassed(checks);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ok, storageDir, repairs: repairs ?? null, checks }, null, 2)}\n`);
  } else {
    if (repairs) process.stdout.write(`${formatRepairs(repairs)}\n\n`);
    const failures = checks.filter((c) => !c.ok).length;
    const summary = ok ? 'all required checks passed' : `${failures} required check${failures === 1 ? '' : 's'} failed`;
    process.stdout.write(`${formatChecks(checks)}\n\n${summary} (storage: ${storageDir})\n`);
  }
  return ok ? 0 : 1;
}
