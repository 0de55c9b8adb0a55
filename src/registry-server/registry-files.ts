import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';

/**
 * The files of one registry: the config it reads (`config.yml`, never the package's, which listens on all
 * interfaces), the access log it writes to stdout (Apache combined format) and its own log on stderr.
 */
export interface RegistryPaths {
  /** `host:port`, as used in image references and as the registry's `http.addr`. */
  host: string;
  /** `http://host:port` or `https://host:port`. */
  url: string;
  dir: string;
  dataDir: string;
  configFile: string;
  logFile: string;
  accessLogFile: string;
}

export interface AccessLogEntry {
  method: string;
  /** Path and query, as requested. */
  target: string;
  status: number;
  /** The basic-auth user, or null. */
  user: string | null;
}

const SECRET = 'archway-local-registry-http-secret';
const LINE = /^\S+ \S+ (\S+) \[[^\]]*\] "(\S+) (\S+) [^"]*" (\d{3}) /;

/** Parses the registry's access log (combined format). Lines that are not access entries are skipped. */
export function parseAccessLog(text: string): AccessLogEntry[] {
  const entries: AccessLogEntry[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    entries.push({ user: m[1] === '-' ? null : m[1]!, method: m[2]!, target: m[3]!, status: Number(m[4]) });
  }
  return entries;
}

/** Completed blob uploads in access-log entries (see LocalRegistry.countBlobUploads). */
export function countBlobUploads(entries: readonly AccessLogEntry[]): number {
  return entries.filter((e) => {
    if (e.status !== 201 || !/^\/v2\/.+\/blobs\/uploads\//.test(e.target)) return false;
    if (e.method === 'PUT') return true;
    return e.method === 'POST' && /[?&]digest=/.test(e.target) && !/[?&]mount=/.test(e.target);
  }).length;
}

/** The registry config, as YAML (values are JSON-quoted strings, which YAML reads as they are). */
export function registryConfigYaml(o: {
  dataDir: string;
  addr: string;
  htpasswdFile?: string;
  tls?: { certFile: string; keyFile: string };
}): string {
  const q = JSON.stringify;
  const lines = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  formatter: text',
    '  accesslog:',
    '    disabled: false',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${q(o.dataDir)}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${q(o.addr)}`,
    `  secret: ${q(SECRET)}`,
  ];
  if (o.tls) lines.push('  tls:', `    certificate: ${q(o.tls.certFile)}`, `    key: ${q(o.tls.keyFile)}`);
  if (o.htpasswdFile)
    lines.push('auth:', '  htpasswd:', `    realm: ${q('archway')}`, `    path: ${q(o.htpasswdFile)}`);
  return `${lines.join('\n')}\n`;
}

/** Creates the storage directory and writes `config.yml` (paths already absolute). */
export function writeRegistryConfig(
  paths: RegistryPaths,
  o: { htpasswdFile?: string; tls?: { certFile: string; keyFile: string } },
): void {
  mkdirSync(paths.dataDir, { recursive: true });
  writeFileSync(
    paths.configFile,
    registryConfigYaml({
      dataDir: paths.dataDir,
      addr: paths.host,
      ...(o.htpasswdFile && { htpasswdFile: o.htpasswdFile }),
      ...(o.tls && { tls: o.tls }),
    }),
  );
}

/** What `file` holds past byte `from`, trimmed, at most the last `maxChars`; '' when it cannot be read. */
export function tail(file: string, from: number, maxChars = 2_000): string {
  try {
    const text = readFileSync(file, 'utf8').slice(from).trim();
    return text.length > maxChars ? `…${text.slice(-maxChars)}` : text;
  } catch {
    return '';
  }
}

/** The size of `file`, 0 when it does not exist. */
export function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
