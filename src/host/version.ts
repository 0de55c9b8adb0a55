/** A dotted version such as 1.28.2 (a Debian suffix like `+ds1` is ignored). */
export interface Version {
  major: number;
  minor: number;
  patch: number;
  /** The text the numbers were read from, e.g. `1.1.5+ds1`. */
  text: string;
}

/**
 * The first `MAJOR.MINOR[.PATCH]` in a tool's `--version` output (`buildah version 1.28.2 (image-spec 1.1.0-rc2, …)`,
 * `docker-registry github.com/docker/distribution 2.8.2+ds1`). Returns null when there is none; never throws.
 */
export function parseVersion(output: string): Version | null {
  const match = /(?:^|[^\d.])(\d+)\.(\d+)(?:\.(\d+))?([^\s,)]*)/.exec(output);
  if (!match) return null;
  const [, major = '0', minor = '0', patch, rest = ''] = match;
  const text = `${major}.${minor}${patch === undefined ? '' : `.${patch}`}${rest}`;
  return { major: Number(major), minor: Number(minor), patch: Number(patch ?? 0), text };
}

/** Negative, zero or positive as `a` is older than, equal to or newer than `b`. Never throws. */
export function compareVersions(a: Version, b: Pick<Version, 'major' | 'minor' | 'patch'>): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** Whether `version` is at least `minimum` (written `1.28` or `1.28.0`). Throws on a malformed `minimum`. */
export function versionAtLeast(version: Version, minimum: string): boolean {
  const min = parseVersion(minimum);
  if (!min) throw new Error(`versionAtLeast: bad minimum version "${minimum}"`);
  return compareVersions(version, min) >= 0;
}
