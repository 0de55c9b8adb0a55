import type { Platform } from '../../domain/platform.js';

/**
 * Every argv Archway gives buildah and skopeo (the only place they are built). Rules from engine-notes
 * section 11: a private store on every buildah call, `--isolation chroot` (crun fails on hybrid cgroups; chroot
 * measured fastest, 12.9-14.9 s for 4 platforms), an explicit `--platform` always, credentials only through
 * an auth file, the secret only through `--secret id=,src=` (a path, never its content).
 */
export interface StoreDirs {
  root: string;
  runroot: string;
}

/** TLS for one registry call: verify against the system + `certDir`, or not at all (plain HTTP). */
export interface TlsChoice {
  verify: boolean;
  certDir: string | null;
}

export function storeFlags(store: StoreDirs): string[] {
  return ['--root', store.root, '--runroot', store.runroot, '--storage-driver', 'overlay'];
}

function tlsFlags(tls: TlsChoice, prefix = ''): string[] {
  const flags = [`--${prefix}tls-verify=${tls.verify}`];
  if (tls.verify && tls.certDir) flags.push(`--${prefix}cert-dir`, tls.certDir);
  return flags;
}

export interface PlatformBuild {
  store: StoreDirs;
  platform: Platform;
  contextDir: string;
  dockerfile: string;
  image: string;
  targetStage: string | null;
  buildArgs: ReadonlyArray<readonly [string, string]>;
  secret: { id: string; file: string } | null;
  authFile: string | null;
  /** TLS for pulls; per-host insecure registries go through registries.conf (the environment). */
  certDir: string | null;
  layers: boolean;
}

export function buildArgv(b: PlatformBuild): string[] {
  const argv = [
    'buildah',
    ...storeFlags(b.store),
    'build',
    '--isolation',
    'chroot',
    '--platform',
    b.platform,
    '--file',
    b.dockerfile,
    '--tag',
    b.image,
    '--pull=true',
    '--retry',
    '1',
    `--layers=${b.layers}`,
  ];
  if (b.certDir) argv.push('--cert-dir', b.certDir);
  if (b.targetStage) argv.push('--target', b.targetStage);
  for (const [k, v] of b.buildArgs) argv.push('--build-arg', `${k}=${v}`);
  if (b.secret) argv.push('--secret', `id=${b.secret.id},src=${b.secret.file}`);
  if (b.authFile) argv.push('--authfile', b.authFile);
  argv.push(b.contextDir);
  return argv;
}

/** Its output names the engine's version, which a build fingerprint includes. */
export function versionArgv(): string[] {
  return ['buildah', '--version'];
}

export function manifestCreateArgv(store: StoreDirs, list: string): string[] {
  return ['buildah', ...storeFlags(store), 'manifest', 'create', list];
}

/** `image` in the store `store`, as containers/image names it from outside that store. */
function storageReference(store: StoreDirs, image: string): string {
  return `containers-storage:[overlay@${store.root}+${store.runroot}]${image}`;
}

/** Adds `image` from another store (`from`, each platform has its own) to the list kept in `store`. */
export function manifestAddArgv(store: StoreDirs, list: string, from: StoreDirs, image: string): string[] {
  return ['buildah', ...storeFlags(store), 'manifest', 'add', list, storageReference(from, image)];
}

/** Copies a local image from one store to another, under `name` there. */
export function copyBetweenStoresArgv(from: StoreDirs, image: string, to: StoreDirs, name: string): string[] {
  return ['skopeo', 'copy', '--quiet', storageReference(from, image), storageReference(to, name)];
}

/** Every image name in a store, one `name:tag` a line. */
export function imageNamesArgv(store: StoreDirs): string[] {
  return ['buildah', ...storeFlags(store), 'images', '--noheading', '--format', '{{.Name}}:{{.Tag}}'];
}

export function manifestPushArgv(
  store: StoreDirs,
  list: string,
  destination: string,
  o: { authFile: string | null; tls: TlsChoice; digestFile: string },
): string[] {
  const argv = [
    'buildah',
    ...storeFlags(store),
    'manifest',
    'push',
    '--all',
    '--digestfile',
    o.digestFile,
    ...tlsFlags(o.tls),
  ];
  if (o.authFile) argv.push('--authfile', o.authFile);
  argv.push(list, `docker://${destination}`);
  return argv;
}

export function manifestRmArgv(store: StoreDirs, list: string): string[] {
  return ['buildah', ...storeFlags(store), 'manifest', 'rm', list];
}

export function rmiArgv(store: StoreDirs, images: string[]): string[] {
  return ['buildah', ...storeFlags(store), 'rmi', '--force', ...images];
}

export function tagArgv(store: StoreDirs, image: string, name: string): string[] {
  return ['buildah', ...storeFlags(store), 'tag', image, name];
}

export function rmAllContainersArgv(store: StoreDirs): string[] {
  return ['buildah', ...storeFlags(store), 'rm', '--all'];
}

export function imageDigestArgv(store: StoreDirs, image: string): string[] {
  return ['buildah', ...storeFlags(store), 'images', '--no-trunc', '--format', '{{.Digest}}', image];
}

/** Raw manifest or index of `reference` (no tag resolution of its own: the caller passes a full reference). */
export function inspectRawArgv(reference: string, o: { authFile: string | null; tls: TlsChoice }): string[] {
  const argv = ['skopeo', 'inspect', '--raw', '--retry-times', '0', ...tlsFlags(o.tls)];
  if (o.authFile) argv.push('--authfile', o.authFile);
  argv.push(`docker://${reference}`);
  return argv;
}

/** The image config of `reference` (for single-platform images, whose manifest names no platform). */
export function inspectConfigArgv(reference: string, o: { authFile: string | null; tls: TlsChoice }): string[] {
  const argv = ['skopeo', 'inspect', '--config', '--raw', ...tlsFlags(o.tls)];
  if (o.authFile) argv.push('--authfile', o.authFile);
  argv.push(`docker://${reference}`);
  return argv;
}

/** Login check before the build; the password arrives on stdin. */
export function loginArgv(host: string, username: string, o: { authFile: string; tls: TlsChoice }): string[] {
  return [
    'skopeo',
    'login',
    '--authfile',
    o.authFile,
    ...tlsFlags(o.tls),
    '--username',
    username,
    '--password-stdin',
    host,
  ];
}

/** os/architecture/variant recorded in a local image's config, as "os arch variant". */
export function imagePlatformArgv(store: StoreDirs, image: string): string[] {
  return [
    'buildah',
    ...storeFlags(store),
    'inspect',
    '--type',
    'image',
    '--format',
    '{{.OCIv1.OS}} {{.OCIv1.Architecture}} {{.OCIv1.Variant}}',
    image,
  ];
}

/** Steps that rewrite a local image's platform fields: from, config, commit (same name), rm. */
export const fixPlatformArgv = {
  from: (store: StoreDirs, image: string) => ['buildah', ...storeFlags(store), 'from', '--pull=never', image],
  config: (store: StoreDirs, container: string, p: { os: string; arch: string; variant: string }) => [
    'buildah',
    ...storeFlags(store),
    'config',
    '--os',
    p.os,
    '--arch',
    p.arch,
    '--variant',
    p.variant,
    container,
  ],
  /** `docker` for an image a later FROM looks up by platform: buildah 1.28 reads no variant from an OCI config. */
  commit: (store: StoreDirs, container: string, image: string, format: 'oci' | 'docker' = 'oci') => [
    'buildah',
    ...storeFlags(store),
    'commit',
    '--quiet',
    '--format',
    format,
    container,
    image,
  ],
  rm: (store: StoreDirs, container: string) => ['buildah', ...storeFlags(store), 'rm', container],
};

/** Pushes one local image (used to learn why a `manifest push` failed: buildah 1.28 may exit 0 without saying). */
export function pushArgv(
  store: StoreDirs,
  image: string,
  destination: string,
  o: { authFile: string | null; tls: TlsChoice },
): string[] {
  const argv = ['buildah', ...storeFlags(store), 'push', '--quiet', ...tlsFlags(o.tls)];
  if (o.authFile) argv.push('--authfile', o.authFile);
  argv.push(image, `docker://${destination}`);
  return argv;
}

/** Puts an index already in the registry under another tag of its repository, digests kept (no blob moves). */
export function copyIndexArgv(
  source: string,
  destination: string,
  o: { authFile: string | null; tls: TlsChoice },
): string[] {
  const argv = [
    'skopeo',
    'copy',
    '--all',
    '--preserve-digests',
    '--retry-times',
    '1',
    ...tlsFlags(o.tls, 'src-'),
    ...tlsFlags(o.tls, 'dest-'),
  ];
  if (o.authFile) argv.push('--src-authfile', o.authFile, '--dest-authfile', o.authFile);
  argv.push(`docker://${source}`, `docker://${destination}`);
  return argv;
}

/** Pushes the image `ref` of an OCI layout directory, its manifest bytes unchanged (a build record). */
export function copyFromLayoutArgv(
  layout: string,
  ref: string,
  destination: string,
  o: { authFile: string | null; tls: TlsChoice },
): string[] {
  const argv = ['skopeo', 'copy', '--preserve-digests', '--retry-times', '1', ...tlsFlags(o.tls, 'dest-')];
  if (o.authFile) argv.push('--dest-authfile', o.authFile);
  argv.push(`oci:${layout}:${ref}`, `docker://${destination}`);
  return argv;
}

/** Writes `image` to an OCI layout directory as `ref`, its layers compressed as a push would send them. */
export function pushToLayoutArgv(store: StoreDirs, image: string, layout: string, ref: string): string[] {
  return ['buildah', ...storeFlags(store), 'push', '--quiet', image, `oci:${layout}:${ref}`];
}

/**
 * Pushes only the image index `ref` of an OCI layout (its images are already in the registry, pushed by digest)
 * under `destination`, its bytes unchanged; the index digest goes to `digestFile`.
 */
export function pushIndexOnlyArgv(
  layout: string,
  ref: string,
  destination: string,
  o: { authFile: string | null; tls: TlsChoice; digestFile: string },
): string[] {
  const argv = ['skopeo', 'copy', '--multi-arch', 'index-only', '--preserve-digests', '--retry-times', '1'];
  argv.push(...tlsFlags(o.tls, 'dest-'), '--digestfile', o.digestFile);
  if (o.authFile) argv.push('--dest-authfile', o.authFile);
  argv.push(`oci:${layout}:${ref}`, `docker://${destination}`);
  return argv;
}

/** Every tag of a cache repository for one platform, into a store (MAX cache import). */
export function pullAllTagsArgv(
  store: StoreDirs,
  repository: string,
  platform: string,
  o: { authFile: string | null; tls: TlsChoice },
): string[] {
  const argv = [
    'buildah',
    ...storeFlags(store),
    'pull',
    '--quiet',
    '--all-tags',
    '--platform',
    platform,
    ...tlsFlags(o.tls),
  ];
  if (o.authFile) argv.push('--authfile', o.authFile);
  argv.push(`docker://${repository}`);
  return argv;
}

/** Full ids of every image in a store, intermediate ones included. */
export function allImageIdsArgv(store: StoreDirs): string[] {
  return ['buildah', ...storeFlags(store), 'images', '--all', '--no-trunc', '--quiet'];
}

export function imageExistsArgv(store: StoreDirs, image: string): string[] {
  return ['buildah', ...storeFlags(store), 'inspect', '--type', 'image', '--format', '{{.FromImageID}}', image];
}

export function manifestInspectArgv(store: StoreDirs, list: string): string[] {
  return ['buildah', ...storeFlags(store), 'manifest', 'inspect', list];
}
