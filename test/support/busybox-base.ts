import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { runChild } from '../../src/process/child.js';
import { run } from './registry.js';

/**
 * The 4-platform busybox base image for real builds, made offline from Debian's busybox-static packages
 * (engine-notes section 3) as an OCI image layout, cached under `<repo>/.cache/fixtures/`, pushed with skopeo.
 * The first run downloads ~3.4 MB of .debs (plus ~35 MB of package indexes, into a private apt state that is
 * deleted afterwards: the system's dpkg architectures and apt lists are not touched) and builds the layout;
 * later runs only push it.
 */
export const BUSYBOX_PLATFORMS = [
  {
    debArch: 'amd64',
    platform: 'linux/amd64',
    architecture: 'amd64',
    variant: undefined,
    elfMachine: 62 /* EM_X86_64 */,
  },
  {
    debArch: 'arm64',
    platform: 'linux/arm64/v8',
    architecture: 'arm64',
    variant: 'v8',
    elfMachine: 183 /* EM_AARCH64 */,
  },
  { debArch: 'armhf', platform: 'linux/arm/v7', architecture: 'arm', variant: 'v7', elfMachine: 40 /* EM_ARM */ },
  { debArch: 'armel', platform: 'linux/arm/v6', architecture: 'arm', variant: 'v6', elfMachine: 40 /* EM_ARM */ },
] as const;

export type BusyboxPlatform = (typeof BUSYBOX_PLATFORMS)[number]['platform'];

/** Bump when the recipe changes: a new version builds a new cache next to the old one. */
const RECIPE = 'busybox-base-v1';
const MTIME = 1_704_067_200; // 2024-01-01T00:00:00Z: layers are byte-for-byte reproducible
const CREATED = new Date(MTIME * 1000).toISOString();
const REF = 'latest';
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const DEFAULT_FIXTURE_CACHE = fileURLToPath(new URL('../../.cache/fixtures/', import.meta.url));

export interface BusyboxLayout {
  /** OCI image layout; its index.json names one image index (ref `latest`) holding the 4 platform manifests. */
  layoutDir: string;
  /** `oci:<layoutDir>:latest`, for skopeo. */
  source: string;
  /** Digest of the image index: the same after every push. */
  indexDigest: string;
  /** The Debian version of busybox-static, e.g. `1:1.35.0-4+deb12u1+b1`. */
  busyboxVersion: string;
  /** Per platform, the extracted static busybox binary (e.g. to run the arm/v6 one under QEMU_CPU=arm1176). */
  binaries: Record<BusyboxPlatform, string>;
  /** Whether this call downloaded the .debs / built the layout (false when the cache served it). */
  downloaded: boolean;
  built: boolean;
}

export interface BusyboxBaseOptions {
  /** Default `<repo>/.cache/fixtures`. */
  cacheDir?: string;
  /** Default `library/busybox` and `latest`. */
  repository?: string;
  tag?: string;
  /** `--dest-authfile` for registries with htpasswd. */
  authFile?: string;
  /** `--dest-cert-dir` (a directory with ca.crt) for TLS registries; without it TLS is not verified (plain HTTP works). */
  certDir?: string;
  onProgress?: (message: string) => void;
}

/** Ensures the cached layout, pushes it to `registryHost` and returns the fully-qualified reference. */
export async function ensureBusyboxBase(registryHost: string, opts: BusyboxBaseOptions = {}): Promise<string> {
  const layout = await ensureBusyboxLayout(opts);
  const reference = `${registryHost}/${opts.repository ?? 'library/busybox'}:${opts.tag ?? 'latest'}`;
  const started = Date.now();
  await run([
    'skopeo',
    'copy',
    '--all',
    '--quiet',
    ...(opts.certDir ? ['--dest-cert-dir', opts.certDir] : ['--dest-tls-verify=false']),
    ...(opts.authFile ? ['--dest-authfile', opts.authFile] : []),
    layout.source,
    `docker://${reference}`,
  ]);
  opts.onProgress?.(`busybox base: pushed ${reference} in ${Date.now() - started} ms`);
  return reference;
}

/** The per-platform busybox binaries (downloading/building the cache when needed). */
export async function busyboxBinaries(
  opts: Pick<BusyboxBaseOptions, 'cacheDir' | 'onProgress'> = {},
): Promise<Record<BusyboxPlatform, string>> {
  return (await ensureBusyboxLayout(opts)).binaries;
}

/** The cache, built once across test files and workers (a mkdir lock serialises builders). */
export async function ensureBusyboxLayout(
  opts: Pick<BusyboxBaseOptions, 'cacheDir' | 'onProgress'> = {},
): Promise<BusyboxLayout> {
  const root = join(resolve(opts.cacheDir ?? DEFAULT_FIXTURE_CACHE), RECIPE);
  mkdirSync(root, { recursive: true });
  const cached = readDone(root);
  if (cached) return cached;
  const release = await lock(`${root}.lock`);
  try {
    return readDone(root) ?? (await build(root, opts.onProgress ?? (() => undefined)));
  } finally {
    release();
  }
}

function binariesOf(root: string): Record<BusyboxPlatform, string> {
  return Object.fromEntries(
    BUSYBOX_PLATFORMS.map((p) => [p.platform, join(root, 'bin', p.debArch, 'busybox')]),
  ) as Record<BusyboxPlatform, string>;
}

function readDone(root: string): BusyboxLayout | null {
  try {
    const done = JSON.parse(readFileSync(join(root, 'layout.json'), 'utf8')) as {
      indexDigest: string;
      busyboxVersion: string;
    };
    const layoutDir = join(root, 'oci');
    const binaries = binariesOf(root);
    if (!existsSync(join(layoutDir, 'index.json')) || !Object.values(binaries).every((b) => existsSync(b))) return null;
    return { layoutDir, source: `oci:${layoutDir}:${REF}`, ...done, binaries, downloaded: false, built: false };
  } catch {
    return null;
  }
}

async function lock(dir: string, timeoutMs = 10 * 60_000): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'owner'), String(process.pid));
      return () => rmSync(dir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (lockIsStale(dir)) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for the fixture lock ${dir} (remove it if no test is running)`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function lockIsStale(dir: string): boolean {
  let pid = Number.NaN;
  try {
    pid = Number(readFileSync(join(dir, 'owner'), 'utf8'));
  } catch {
    /* not written yet */
  }
  if (Number.isInteger(pid) && pid > 0) {
    try {
      process.kill(pid, 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH'; // the owner died
    }
  }
  try {
    return Date.now() - statSync(dir).mtimeMs > 60_000; // no owner yet: stale only when old
  } catch {
    return false;
  }
}

function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

async function build(root: string, progress: (m: string) => void): Promise<BusyboxLayout> {
  const t0 = Date.now();
  const tmp = join(root, `tmp-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  try {
    const debsDir = join(root, 'debs');
    const downloaded = await ensureDebs(debsDir, tmp, progress);

    // Extract each deb's static busybox into the cache (bin/<debArch>/busybox).
    let busyboxVersion = '';
    for (const p of BUSYBOX_PLATFORMS) {
      const deb = findDeb(debsDir, p.debArch)!;
      busyboxVersion = (await run(['dpkg-deb', '-f', deb, 'Version'])).trim();
      const x = join(tmp, 'x', p.debArch);
      mkdirSync(x, { recursive: true });
      await run(['dpkg-deb', '-x', deb, x]);
      const target = join(root, 'bin', p.debArch, 'busybox');
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(join(x, 'bin', 'busybox'), `${target}.tmp`);
      chmodSync(`${target}.tmp`, 0o755);
      renameSync(`${target}.tmp`, target);
    }
    // One applet list for every arch, from the host's (amd64) binary: no emulation needed.
    const applets = (await run([binariesOf(root)['linux/amd64'], '--list-full']))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && l !== 'bin/busybox');

    const layoutDir = join(tmp, 'oci');
    const blobs = join(layoutDir, 'blobs', 'sha256');
    mkdirSync(blobs, { recursive: true });
    const writeBlob = (data: Buffer | string) => {
      const digest = sha256(data);
      writeFileSync(join(blobs, digest.slice('sha256:'.length)), data);
      return { digest, size: Buffer.byteLength(data) };
    };
    const manifests = [];
    for (const p of BUSYBOX_PLATFORMS) {
      const rootfs = join(tmp, 'rootfs', p.debArch);
      makeRootfs(rootfs, join(root, 'bin', p.debArch, 'busybox'), applets);
      const tarFile = join(tmp, `layer-${p.debArch}.tar`);
      const top = readdirSync(rootfs).sort();
      await run([
        'tar',
        '--create',
        '--file',
        tarFile,
        '--format=gnu',
        '--sort=name',
        '--numeric-owner',
        '--owner=0',
        '--group=0',
        `--mtime=@${MTIME}`,
        '-C',
        rootfs,
        ...top,
      ]);
      const tar = readFileSync(tarFile);
      const layer = {
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        ...writeBlob(gzipSync(tar, { level: 9 })),
      };
      const config = {
        created: CREATED,
        architecture: p.architecture,
        ...(p.variant && { variant: p.variant }),
        os: 'linux',
        config: { Env: [PATH_ENV], Cmd: ['/bin/sh'] },
        rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
        history: [
          { created: CREATED, created_by: `archway test fixture: busybox-static ${busyboxVersion} (${p.debArch})` },
        ],
      };
      const configDesc = {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        ...writeBlob(JSON.stringify(config)),
      };
      const manifest = {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: configDesc,
        layers: [layer],
      };
      manifests.push({
        mediaType: manifest.mediaType,
        ...writeBlob(JSON.stringify(manifest)),
        platform: { architecture: p.architecture, os: 'linux', ...(p.variant && { variant: p.variant }) },
      });
    }
    const index = writeBlob(
      JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }),
    );
    writeFileSync(join(layoutDir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    writeFileSync(
      join(layoutDir, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.index.v1+json',
            ...index,
            annotations: { 'org.opencontainers.image.ref.name': REF },
          },
        ],
      }),
    );

    const finalDir = join(root, 'oci');
    rmSync(finalDir, { recursive: true, force: true });
    renameSync(layoutDir, finalDir);
    writeFileSync(join(root, 'layout.json'), JSON.stringify({ indexDigest: index.digest, busyboxVersion }, null, 2));
    progress(
      `busybox base: built the OCI layout (${index.digest}) in ${Date.now() - t0} ms${downloaded ? ' including the download' : ''}`,
    );
    return { ...readDone(root)!, downloaded, built: true };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function makeRootfs(rootfs: string, busybox: string, applets: readonly string[]): void {
  for (const d of ['bin', 'etc', 'root', 'tmp', 'sbin', 'usr/bin', 'usr/sbin'])
    mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync(busybox, join(rootfs, 'bin', 'busybox'));
  chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
  for (const applet of applets) {
    mkdirSync(dirname(join(rootfs, applet)), { recursive: true });
    symlinkSync('/bin/busybox', join(rootfs, applet));
  }
  writeFileSync(
    join(rootfs, 'etc', 'passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
    { mode: 0o644 },
  );
  writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n', { mode: 0o644 });
  chmodSync(join(rootfs, 'root'), 0o700);
  chmodSync(join(rootfs, 'tmp'), 0o1777);
}

function findDeb(debsDir: string, debArch: string): string | null {
  if (!existsSync(debsDir)) return null;
  const name = readdirSync(debsDir).find((f) => f.startsWith('busybox-static_') && f.endsWith(`_${debArch}.deb`));
  return name ? join(debsDir, name) : null;
}

/**
 * Downloads busybox-static for the 4 Debian archs with apt-get, using a private apt state (lists, cache and
 * architectures given as options) so that the system's dpkg architectures are never changed. `apt-get update`
 * may exit 100 when one foreign index is mid-sync on the mirror: that is tolerated, the download decides.
 */
async function ensureDebs(debsDir: string, tmp: string, progress: (m: string) => void): Promise<boolean> {
  if (BUSYBOX_PLATFORMS.every((p) => findDeb(debsDir, p.debArch))) return false;
  const t0 = Date.now();
  const apt = join(tmp, 'apt');
  const dl = join(tmp, 'dl');
  for (const d of [join(apt, 'lists', 'partial'), join(apt, 'cache', 'archives', 'partial'), dl])
    mkdirSync(d, { recursive: true });
  const o = [
    '-o',
    `Dir::State::Lists=${join(apt, 'lists')}`,
    '-o',
    `Dir::Cache=${join(apt, 'cache')}`,
    '-o',
    'Acquire::Languages=none',
    '-o',
    'APT::Sandbox::User=root',
    ...BUSYBOX_PLATFORMS.flatMap((p) => ['-o', `APT::Architectures::=${p.debArch}`]),
  ];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' };
  let last = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    const update = await runChild(['apt-get', ...o, 'update'], { env });
    if (update.code !== 0 && update.code !== 100)
      last = `apt-get update exited with ${update.code}: ${update.stderr.trim()}`;
    const download = await runChild(
      ['apt-get', ...o, 'download', ...BUSYBOX_PLATFORMS.map((p) => `busybox-static:${p.debArch}`)],
      { env, cwd: dl },
    );
    if (download.code === 0) break;
    last = `apt-get download exited with ${download.code}: ${download.stderr.trim()} (update: ${update.code}, ${update.stderr.trim().split('\n').slice(-3).join(' | ')})`;
    if (attempt === 3)
      throw new Error(
        `cannot download busybox-static for ${BUSYBOX_PLATFORMS.map((p) => p.debArch).join(', ')}: ${last}`,
      );
    await new Promise((r) => setTimeout(r, 2_000 * attempt));
  }
  mkdirSync(debsDir, { recursive: true });
  for (const f of readdirSync(dl).filter((n) => n.endsWith('.deb'))) renameSync(join(dl, f), join(debsDir, f));
  const missing = BUSYBOX_PLATFORMS.filter((p) => !findDeb(debsDir, p.debArch)).map((p) => p.debArch);
  if (missing.length) throw new Error(`apt-get download gave no busybox-static for ${missing.join(', ')}`);
  progress(`busybox base: downloaded busybox-static for 4 archs in ${Date.now() - t0} ms`);
  return true;
}
