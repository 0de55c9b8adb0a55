import picomatch from 'picomatch';

export const MAX_PATHS = 100;
export const MAX_PATH_LENGTH = 1000;

/** Why `trigger_condition_paths` is not a usable list, or null. */
export function invalidPaths(value: unknown, type: string): string | null {
  const field = `"trigger_condition_paths" of ${type}`;
  if (!Array.isArray(value) || value.length === 0) return `${field} must be a non-empty list of paths.`;
  if (value.length > MAX_PATHS) return `${field} may hold at most ${MAX_PATHS} paths.`;
  const fits = (p: unknown) => typeof p === 'string' && p.trim() !== '' && p.length <= MAX_PATH_LENGTH;
  if (!value.every(fits)) return `${field} must hold non-empty paths of at most ${MAX_PATH_LENGTH} characters.`;
  return null;
}

/**
 * One test for a path as Buddy users write it. Surrounding blanks and leading slashes go (`/src/app/` is
 * repository-relative `src/app/`). A path with glob syntax (or a leading `!` negation) is a picomatch glob with
 * `dot: true`, so `.github/**` sees dotfiles; `*` stops at `/`, as in GitHub's path filters, so `*.md` means
 * top-level files and `**\/*.md` any depth; a glob ending in `/` means everything below (`src/*\/` =
 * `src/*\/**`). A path without glob syntax is a prefix on directory boundaries: `src`, `src/` and `/src/` match
 * `src` and everything below it but not `src2/x`; `/` matches every file.
 */
function pathTest(path: string): (file: string) => boolean {
  const p = path.trim().replace(/^\/+/, '');
  const scan = picomatch.scan(p);
  if (scan.isGlob || scan.negated) return picomatch(p.endsWith('/') ? `${p}**` : p, { dot: true });
  const dir = p.replace(/\/+$/, '');
  if (dir === '') return () => true;
  return (file) => file === dir || file.startsWith(`${dir}/`);
}

/** Whether some changed file matches some path (of a list invalidPaths accepted). */
export function someFileMatches(paths: readonly string[], changedFiles: readonly string[]): boolean {
  const tests = paths.map(pathTest);
  return changedFiles.some((file) => tests.some((test) => test(file)));
}
