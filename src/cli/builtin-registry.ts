import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { DefaultRegistry } from '../domain/job-spec.js';
import { runChild } from '../process/child.js';
import { RegistryServerError, startLocalRegistry, type LocalRegistry } from '../registry-server/local-registry.js';

export const BUILTIN_REGISTRY_USER = 'archway';

/** The generated password, made once and kept in `<data dir>/registry/password` (mode 0600). */
function passwordOf(dir: string): string {
  const file = join(dir, 'password');
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString('base64url'), { mode: 0o600, flag: 'wx' });
  return readFileSync(file, 'utf8').trim();
}

/**
 * Archway's own registry, like GitLab's and Gitea's: the CNCF distribution as a child process on a loopback
 * address, storage under `<data dir>/registry`, htpasswd (bcrypt) with a generated password. An action with a
 * bare `repository` and no registry pushes here. Lifecycle: started by `archway serve` before the agent,
 * stopped with the server. Failure: rejects with a RegistryServerError (the registry's own log tail, e.g. the port
 * is taken), or a ProgramStartError when htpasswd is not installed.
 */
export async function startBuiltInRegistry(
  config: Readonly<Config>,
): Promise<{ registry: LocalRegistry; target: DefaultRegistry }> {
  const dir = join(config.dataDir, 'registry');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const password = passwordOf(dir);
  const htpasswd = join(dir, 'htpasswd');
  const made = await runChild(['htpasswd', '-iBc', htpasswd, BUILTIN_REGISTRY_USER], { input: password });
  if (made.code !== 0)
    throw new RegistryServerError(`Cannot write the built-in registry's htpasswd file: ${made.stderr.trim()}`);
  const [host = '127.0.0.1', port = '5000'] = config.builtInRegistry.addr.split(':');
  const registry = await startLocalRegistry({ dir, host, port: Number(port), htpasswdFile: htpasswd });
  return { registry, target: { host: registry.host, username: BUILTIN_REGISTRY_USER, password } };
}
