import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RegistryAccess, RegistryCredentials } from '../../app/ports/engine.js';
import type { TlsChoice } from './argv.js';

/** TLS for calls that talk to one registry host (push, inspect, login). */
export function tlsFor(host: string, access: RegistryAccess): TlsChoice {
  if (access.insecure.includes(host)) return { verify: false, certDir: null };
  const dir = access.caDir ? join(access.caDir, host) : null;
  return { verify: true, certDir: dir && existsSync(dir) ? dir : null };
}

/**
 * What a `buildah build` needs to pull from several registries at once: insecure hosts go into a private
 * registries.conf (buildah honours CONTAINERS_REGISTRIES_CONF; `--tls-verify=false` would drop TLS for every
 * host), and every CA of ARCHWAY_REGISTRY_CA_DIR into one `--cert-dir` (CAs only add trust).
 */
export async function prepareBuildRegistries(
  dir: string,
  access: RegistryAccess,
): Promise<{ env: Record<string, string>; certDir: string | null }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const lines = ['unqualified-search-registries = ["docker.io"]', 'short-name-mode = "permissive"', ''];
  for (const host of access.insecure)
    lines.push('[[registry]]', `location = ${JSON.stringify(host)}`, 'insecure = true', '');
  const conf = join(dir, 'registries.conf');
  await writeFile(conf, lines.join('\n'), { mode: 0o600 });
  let certDir: string | null = null;
  if (access.caDir && existsSync(access.caDir)) {
    certDir = join(dir, 'certs');
    await mkdir(certDir, { recursive: true, mode: 0o700 });
    for (const host of await readdir(access.caDir)) {
      for (const file of await readdir(join(access.caDir, host)).catch(() => [] as string[])) {
        if (file.endsWith('.crt'))
          await copyFile(
            join(access.caDir, host, file),
            join(certDir, `${host.replace(/[^A-Za-z0-9.-]/g, '_')}-${file}`),
          );
      }
    }
  }
  return { env: { CONTAINERS_REGISTRIES_CONF: conf }, certDir };
}

/**
 * Writes a containers auth file (mode 0600) by hand — `{"auths":{host:{auth:base64(user:pass)}}}` — so that no
 * password is ever on a command line. The caller removes it after the build.
 */
export async function writeAuthFile(file: string, entries: ReadonlyMap<string, RegistryCredentials>): Promise<void> {
  const auths: Record<string, { auth: string }> = {};
  for (const [host, c] of entries)
    auths[host] = { auth: Buffer.from(`${c.username}:${c.password}`).toString('base64') };
  await writeFile(file, JSON.stringify({ auths }), { mode: 0o600, flag: 'w' });
}
