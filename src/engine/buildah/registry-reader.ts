import { createHash } from 'node:crypto';
import { BuildError } from '../../domain/errors.js';
import type { Platform } from '../../domain/platform.js';
import { runChild } from '../../process/child.js';
import { inspectConfigArgv, inspectRawArgv, loginArgv, type TlsChoice } from './argv.js';
import { registryFailure } from './failure.js';

export interface ImagePlatform {
  os: string;
  architecture: string;
  variant: string;
  digest: string | null;
}

export interface ReadOptions {
  authFile: string | null;
  tls: TlsChoice;
  signal?: AbortSignal;
}

const INDEX_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];

export function platformName(p: { os: string; architecture: string; variant: string }): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** Whether an image's platform fields are the requested platform (arm64's variant v8 may be left out). */
export function matchesPlatform(p: { os: string; architecture: string; variant: string }, wanted: Platform): boolean {
  const [os, arch, variant = ''] = wanted.split('/');
  if (p.os !== os || p.architecture !== arch) return false;
  if (arch === 'arm64') return p.variant === '' || p.variant === 'v8';
  return p.variant === variant;
}

/**
 * The registry has no such image. The pre-flight words it as BASE_IMAGE_NOT_FOUND and the reuse of an unchanged
 * build as "build it again"; the one place it leaves the engine as it is, the read-back of the index just pushed,
 * is a failed verification: hence the reason.
 */
export class ImageNotFound extends BuildError {
  constructor(message: string) {
    super('VERIFY_FAILED', message);
  }
}

async function skopeo(argv: string[], what: string, signal?: AbortSignal): Promise<string> {
  const r = await runChild(argv, { signal });
  if (r.aborted) throw new BuildError('CANCELLED', 'The build was cancelled.');
  if (r.code === 0) return r.stdout;
  const text = r.stderr.trim();
  if (/manifest unknown|name unknown|repository name not known|not found/i.test(text)) throw new ImageNotFound(text);
  throw (
    registryFailure(text, what) ??
    new BuildError('ENGINE_FAILED', `${what}: ${text.split('\n').pop() ?? `skopeo exited with ${r.code}`}`)
  );
}

/**
 * The platforms an image offers: the entries of its index, or the platform of its config for a
 * single-platform image. Throws ImageNotFound when the reference does not exist, BuildError for registry failures.
 */
export async function readImagePlatforms(
  reference: string,
  o: ReadOptions,
): Promise<{ isIndex: boolean; digest: string; digestOf: Map<string, string>; platforms: ImagePlatform[] }> {
  const text = await skopeo(inspectRawArgv(reference, o), `Reading ${reference}`, o.signal);
  const digest = manifestDigest(text);
  const raw = JSON.parse(text) as {
    mediaType?: string;
    manifests?: Array<{ digest: string; platform?: { os?: string; architecture?: string; variant?: string } }>;
  };
  if (raw.manifests && (raw.mediaType === undefined || INDEX_TYPES.includes(raw.mediaType))) {
    const platforms = raw.manifests
      .filter((m) => m.platform)
      .map((m) => ({
        os: m.platform?.os ?? '',
        architecture: m.platform?.architecture ?? '',
        variant: m.platform?.variant ?? '',
        digest: m.digest,
      }));
    return { isIndex: true, digest, digestOf: new Map(platforms.map((p) => [platformName(p), p.digest])), platforms };
  }
  const config = JSON.parse(await skopeo(inspectConfigArgv(reference, o), `Reading ${reference}`, o.signal)) as {
    os?: string;
    architecture?: string;
    variant?: string;
  };
  const platform = {
    os: config.os ?? '',
    architecture: config.architecture ?? '',
    variant: config.variant ?? '',
    digest: null,
  };
  return { isIndex: false, digest, digestOf: new Map(), platforms: [platform] };
}

/** The registry's digest of a manifest: sha256 of its exact bytes (skopeo --raw hands them over unchanged). */
function manifestDigest(raw: string): string {
  return `sha256:${createHash('sha256').update(raw, 'utf8').digest('hex')}`;
}

/** The manifest `reference` points at now, as sent, with its digest; null when it does not exist. */
export async function readManifest(reference: string, o: ReadOptions): Promise<{ raw: string; digest: string } | null> {
  try {
    const raw = await skopeo(inspectRawArgv(reference, o), `Reading ${reference}`, o.signal);
    return { raw, digest: manifestDigest(raw) };
  } catch (error) {
    if (error instanceof ImageNotFound) return null;
    throw error;
  }
}

/** The digest `reference` (a tag) points at now, or null when the tag does not exist. */
export async function readTagDigest(reference: string, o: ReadOptions): Promise<string | null> {
  return (await readManifest(reference, o))?.digest ?? null;
}

/** Logs in with a throw-away auth file: wrong credentials fail here in ~0.1 s instead of after the build. */
export async function checkLogin(
  host: string,
  username: string,
  password: string,
  o: { authFile: string; tls: TlsChoice; signal?: AbortSignal },
): Promise<void> {
  const r = await runChild(loginArgv(host, username, o), { input: password, signal: o.signal });
  if (r.aborted) throw new BuildError('CANCELLED', 'The build was cancelled.');
  if (r.code === 0) return;
  const text = r.stderr.trim();
  throw (
    registryFailure(text, `Logging in to ${host} as ${username}`) ??
    new BuildError('AUTH_FAILED', `Logging in to ${host} as ${username} failed: ${text.split('\n').pop()}`)
  );
}

/** Whether the registry answers at all (no credentials to log in with): a missing image is fine, a dead host is not. */
export async function checkReachable(reference: string, o: ReadOptions): Promise<void> {
  try {
    await skopeo(inspectRawArgv(reference, o), `Reaching the registry of ${reference}`, o.signal);
  } catch (error) {
    if (error instanceof ImageNotFound) return;
    throw error;
  }
}
