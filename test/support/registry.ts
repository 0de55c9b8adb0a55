import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runChild } from '../../src/process/child.js';
import { startLocalRegistry, type LocalRegistry } from '../../src/registry-server/local-registry.js';

/**
 * Registries for tests, on free 127.0.0.1 ports: open (plain HTTP), htpasswd (plain HTTP, bcrypt), and htpasswd + TLS
 * with a throw-away CA. Every one must be stopped (`stop()`, by PID) by the test that started it.
 */
export interface Credentials {
  user: string;
  password: string;
}

export interface AuthRegistry extends LocalRegistry, Credentials {
  htpasswdFile: string;
  /** A containers auth file (0600) holding the right credentials for `host`: pass it as `--authfile`. */
  authFile: string;
}

export interface TlsRegistry extends AuthRegistry {
  /** certs.d-style directory: `<caDir>/<host>/ca.crt` (Archway's ARCHWAY_REGISTRY_CA_DIR). */
  caDir: string;
  /** `<caDir>/<host>`: the directory to give skopeo/buildah as `--cert-dir`. */
  certDir: string;
  /** The CA certificate (PEM) that signed the registry's certificate. */
  caFile: string;
}

/** Runs a command to completion; throws with its output when it fails. */
export async function run(argv: readonly string[], opts: { input?: string; cwd?: string } = {}): Promise<string> {
  const r = await runChild(argv, opts);
  if (r.code !== 0)
    throw new Error(`${argv.slice(0, 2).join(' ')} exited with ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** Writes `{"auths":{host:{auth}}}` with mode 0600 (the format skopeo/buildah read with --authfile). */
export function writeAuthFile(file: string, host: string, { user, password }: Credentials): string {
  const auth = Buffer.from(`${user}:${password}`).toString('base64');
  writeFileSync(file, `${JSON.stringify({ auths: { [host]: { auth } } }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

/** An htpasswd file with one bcrypt entry; the password goes through stdin, never argv. */
export async function writeHtpasswd(file: string, { user, password }: Credentials): Promise<string> {
  await run(['htpasswd', '-iBc', file, user], { input: password });
  return file;
}

export async function startOpenRegistry(dir: string): Promise<LocalRegistry> {
  mkdirSync(dir, { recursive: true });
  return startLocalRegistry({ dir });
}

export async function startAuthRegistry(dir: string, credentials: Credentials): Promise<AuthRegistry> {
  mkdirSync(dir, { recursive: true });
  const htpasswdFile = await writeHtpasswd(join(resolve(dir), 'htpasswd'), credentials);
  const registry = await startLocalRegistry({ dir, htpasswdFile });
  const authFile = writeAuthFile(join(resolve(dir), 'auth.json'), registry.host, credentials);
  return { ...registry, ...credentials, htpasswdFile, authFile };
}

/**
 * A CA (P-256, CA:TRUE) and a server certificate for IP:127.0.0.1 and DNS:localhost signed by it.
 * Returns the PEM files; nothing here depends on the port.
 */
export async function makeTestCa(
  dir: string,
): Promise<{ caFile: string; caKeyFile: string; certFile: string; keyFile: string }> {
  mkdirSync(dir, { recursive: true });
  const f = (name: string) => join(resolve(dir), name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run([
    'openssl',
    'req',
    '-x509',
    ...ec,
    '-days',
    '3650',
    '-subj',
    '/CN=Archway test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
  ]);
  await run(['openssl', 'req', ...ec, '-subj', '/CN=127.0.0.1', '-keyout', f('tls.key'), '-out', f('tls.csr')]);
  writeFileSync(
    f('tls.ext'),
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '',
    ].join('\n'),
  );
  await run([
    'openssl',
    'x509',
    '-req',
    '-in',
    f('tls.csr'),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '825',
    '-sha256',
    '-extfile',
    f('tls.ext'),
    '-out',
    f('tls.crt'),
  ]);
  return { caFile: f('ca.crt'), caKeyFile: f('ca.key'), certFile: f('tls.crt'), keyFile: f('tls.key') };
}

export async function startTlsRegistry(dir: string, credentials: Credentials): Promise<TlsRegistry> {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true });
  const pki = await makeTestCa(join(root, 'pki'));
  const htpasswdFile = await writeHtpasswd(join(root, 'htpasswd'), credentials);
  const registry = await startLocalRegistry({
    dir: root,
    htpasswdFile,
    tls: { certFile: pki.certFile, keyFile: pki.keyFile, caFile: pki.caFile },
  });
  const caDir = join(root, 'certs.d');
  const certDir = join(caDir, registry.host);
  mkdirSync(certDir, { recursive: true });
  copyFileSync(pki.caFile, join(certDir, 'ca.crt'));
  const authFile = writeAuthFile(join(root, 'auth.json'), registry.host, credentials);
  return { ...registry, ...credentials, htpasswdFile, authFile, caDir, certDir, caFile: pki.caFile };
}
