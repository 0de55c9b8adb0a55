import type { ActionVariable } from './action.js';
import { ValidationError } from './errors.js';
import { normaliseRepoPath } from './repo-path.js';

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CHMOD = /^[0-7]{3,4}$/;

/**
 * The rules of one variable, shared by action variables and the variables resource: the key pattern, and for
 * type FILE a `file_path` inside the repository and an octal `file_chmod`. Other types carry no file fields.
 */
export function validateVariable<T extends ActionVariable>(v: T): T {
  if (!KEY.test(v.key))
    throw new ValidationError(
      `Variable "key" must be letters, digits or "_", not starting with a digit (got "${v.key}").`,
    );
  if (v.type !== 'FILE') return { ...v, filePath: null, fileChmod: null };
  if (!v.filePath) throw new ValidationError(`Variable "${v.key}" of type FILE needs a "file_path".`);
  if (v.fileChmod !== null && !CHMOD.test(v.fileChmod))
    throw new ValidationError(`Variable "${v.key}": "file_chmod" must be octal like "600" (got "${v.fileChmod}").`);
  const filePath = normaliseRepoPath(`file_path of variable ${v.key}`, v.filePath);
  if (filePath === '') throw new ValidationError(`Variable "${v.key}": "file_path" must name a file.`);
  if (filePath.includes(','))
    throw new ValidationError(`Variable "${v.key}": "file_path" must not contain "," (got "${v.filePath}").`);
  return { ...v, filePath };
}

/** Checks a variable list (plain values; sealing happens in the use case): each variable, and no key twice. */
export function validateVariables(variables: ActionVariable[]): ActionVariable[] {
  const seen = new Set<string>();
  return variables.map((v) => {
    const checked = validateVariable(v);
    if (seen.has(v.key)) throw new ValidationError(`Variable "${v.key}" is defined twice.`);
    seen.add(v.key);
    return checked;
  });
}
