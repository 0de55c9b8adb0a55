import { runChild, type ChildResult, type ChildRunner } from '../process/child.js';
import { errorText, failed, lastLine, passed, warned, type HostCheck } from './host-check.js';
import { parseVersion, versionAtLeast } from './version.js';

/** A program the engine runs, how to ask its version, and the Debian package that provides it. */
export interface ToolSpec {
  name: string;
  argv: readonly string[];
  debPackage: string;
  /** Oldest version that works (`1.28`); none: any version. */
  minVersion?: string;
  /** An optional tool only warns when missing. */
  optional?: boolean;
  /** Appended to the detail of a passed check. */
  note?: string;
}

export const TOOL_SPECS: readonly ToolSpec[] = [
  { name: 'buildah', argv: ['buildah', '--version'], debPackage: 'buildah', minVersion: '1.28' },
  {
    name: 'runc',
    argv: ['runc', '--version'],
    debPackage: 'runc',
    note: "(the runtime buildah's package brings; builds use chroot isolation, crun fails on hybrid cgroups)",
  },
  { name: 'skopeo', argv: ['skopeo', '--version'], debPackage: 'skopeo' },
  {
    name: 'docker-registry',
    argv: ['docker-registry', '--version'],
    debPackage: 'docker-registry',
    optional: true,
    note: "(the built-in registry and the tests' registries)",
  },
  { name: 'git', argv: ['git', '--version'], debPackage: 'git' },
];

/** The install command for one Debian package. Never throws. */
export function aptInstallFix(debPackage: string): string {
  return `apt-get install -y --no-install-recommends ${debPackage}`;
}

/**
 * The check for one tool from the outcome of its `--version` call: a result, or the error thrown when it could not
 * start. Not ok (a warning for an optional tool) when missing, when the call fails, or below `minVersion`. Pure, never throws.
 */
export function toolCheckFromOutcome(spec: ToolSpec, outcome: ChildResult | Error): HostCheck {
  const bad = spec.optional ? warned : failed;
  const fix = aptInstallFix(spec.debPackage);
  if (outcome instanceof Error) {
    const missing = /not installed|ENOENT/.test(outcome.message);
    return bad(spec.name, missing ? 'not installed (not found on PATH)' : errorText(outcome), fix);
  }
  const output = `${outcome.stdout}\n${outcome.stderr}`;
  if (outcome.code !== 0)
    return bad(spec.name, `\`${spec.argv.join(' ')}\` exited ${outcome.code}: ${lastLine(output)}`, fix);
  const version = parseVersion(output);
  if (!version) return bad(spec.name, `no version in \`${spec.argv.join(' ')}\` output: ${lastLine(output)}`, fix);
  if (spec.minVersion && !versionAtLeast(version, spec.minVersion)) {
    return bad(spec.name, `version ${version.text} is older than ${spec.minVersion}`, fix);
  }
  const min = spec.minVersion ? ` (>= ${spec.minVersion})` : '';
  return passed(spec.name, `version ${version.text}${min}${spec.note ? ` ${spec.note}` : ''}`);
}

/** Runs the tool's version command (10 s limit) and checks the outcome (see toolCheckFromOutcome). Never throws. */
export async function checkTool(spec: ToolSpec, run: ChildRunner = runChild): Promise<HostCheck> {
  let outcome: ChildResult | Error;
  try {
    outcome = await run(spec.argv, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    outcome = error instanceof Error ? error : new Error(String(error));
  }
  return toolCheckFromOutcome(spec, outcome);
}
