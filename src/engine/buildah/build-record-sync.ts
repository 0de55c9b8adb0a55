import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildError } from '../../domain/errors.js';
import { runChild } from '../../process/child.js';
import { copyFromLayoutArgv, type TlsChoice } from './argv.js';
import type { RememberedBuild } from './build-memo.js';
import { readManifest } from './registry-reader.js';

/**
 * cache_mode MAX: build records in the registry, next to the layer cache, so that another agent (or this one
 * after its store was lost) recognises a build it has nothing to do for. A record is a tiny OCI artifact,
 * `<repository>-cache-builds:<fingerprint>`: an empty image config, no layers, and the build in an annotation.
 * Reading one is one manifest GET (~0.06 s here); writing one a config blob and a manifest (~0.13 s).
 */
const ANNOTATION = 'works.archway.build';
const REF_NAME = 'org.opencontainers.image.ref.name';

export interface RecordRepo {
  /** registry/repository of the records, e.g. 127.0.0.1:5000/team/app-cache-builds */
  repository: string;
  authFile: string | null;
  tls: TlsChoice;
  signal: AbortSignal;
}

export function buildRecordRepository(registry: string, repository: string): string {
  return `${registry}/${repository}-cache-builds`;
}

/** The record of `fingerprint`, or undefined when there is none (or it is not one of ours). */
export async function fetchBuildRecord(
  registry: string,
  repository: string,
  fingerprint: string,
  repo: RecordRepo,
): Promise<RememberedBuild | undefined> {
  const found = await readManifest(`${repo.repository}:${fingerprint}`, repo);
  if (!found) return undefined;
  try {
    const value = (JSON.parse(found.raw) as { annotations?: Record<string, string> }).annotations?.[ANNOTATION];
    const build = value ? (JSON.parse(value) as Pick<RememberedBuild, 'indexDigest' | 'platforms'>) : null;
    if (!build || !/^sha256:[0-9a-f]{64}$/.test(build.indexDigest) || !Array.isArray(build.platforms)) return undefined;
    return { fingerprint, registry, repository, indexDigest: build.indexDigest, platforms: build.platforms };
  } catch {
    return undefined;
  }
}

const sha256 = (bytes: string) => createHash('sha256').update(bytes).digest('hex');

/** Pushes the record of a build from an OCI layout written in `scratchDir` (removed after). */
export async function publishBuildRecord(build: RememberedBuild, repo: RecordRepo, scratchDir: string): Promise<void> {
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: `sha256:${sha256(config)}`,
      size: Buffer.byteLength(config),
    },
    layers: [],
    annotations: { [ANNOTATION]: JSON.stringify({ indexDigest: build.indexDigest, platforms: build.platforms }) },
  });
  const layout = join(scratchDir, 'build-record');
  try {
    await mkdir(join(layout, 'blobs', 'sha256'), { recursive: true, mode: 0o700 });
    await writeFile(join(layout, 'blobs', 'sha256', sha256(config)), config);
    await writeFile(join(layout, 'blobs', 'sha256', sha256(manifest)), manifest);
    await writeFile(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    await writeFile(
      join(layout, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: `sha256:${sha256(manifest)}`,
            size: Buffer.byteLength(manifest),
            annotations: { [REF_NAME]: 'record' },
          },
        ],
      }),
    );
    const r = await runChild(copyFromLayoutArgv(layout, 'record', `${repo.repository}:${build.fingerprint}`, repo), {
      signal: repo.signal,
      dieWithParent: true,
    });
    if (r.code !== 0)
      throw new BuildError('ENGINE_FAILED', r.stderr.trim().split('\n').pop() ?? `skopeo exited with ${r.code}`);
  } finally {
    await rm(layout, { recursive: true, force: true });
  }
}
