import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildError } from '../../domain/errors.js';
import type { Platform } from '../../domain/platform.js';
import { runChild } from '../../process/child.js';
import type { BuildEvent, BuildSpec, RegistryAccess } from '../../app/ports/engine.js';
import {
  manifestAddArgv,
  manifestCreateArgv,
  manifestInspectArgv,
  manifestPushArgv,
  manifestRmArgv,
  pushArgv,
  type TlsChoice,
} from './argv.js';
import { registryCommandFailure } from './failure.js';
import type { ImageStore } from './image-store.js';
import type { UnitResult } from './platform-unit.js';
import { tlsFor } from './registry-access.js';
import { matchesPlatform, platformName, readImagePlatforms, readManifest } from './registry-reader.js';

/**
 * The image index of a build: assembled from the units' images in a list store of its own, checked, pushed under
 * every tag (each index command dies with the agent), then read back from the registry and verified.
 */
export interface IndexIo {
  buildDir: string;
  env: NodeJS.ProcessEnv;
  authFile: string | null;
  signal: AbortSignal;
  onEvent: (e: BuildEvent) => void;
  access: RegistryAccess;
}

type IndexCommand = (argv: string[], what: string) => Promise<void>;

/** Runs an index command: a cancel is CANCELLED, a failure the registry's reason (or the command's last line). */
function indexCommand(io: IndexIo): IndexCommand {
  return async (argv, what) => {
    const r = await runChild(argv, { env: io.env, signal: io.signal, dieWithParent: true });
    if (r.aborted) throw new BuildError('CANCELLED', 'The build was cancelled before the push finished.');
    if (r.code !== 0) throw registryCommandFailure(r.stderr, what);
  };
}

/** The index is checked before the push too, so that a wrong one never reaches a tag (it is read back after). */
async function checkLocalIndex(
  spec: BuildSpec,
  store: ImageStore,
  list: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const r = await runChild(manifestInspectArgv(store, list), { env });
  const entries =
    (
      JSON.parse(r.stdout || '{}') as {
        manifests?: Array<{ platform?: { os?: string; architecture?: string; variant?: string } }>;
      }
    ).manifests ?? [];
  const have = entries.map((m) => ({
    os: m.platform?.os ?? '',
    architecture: m.platform?.architecture ?? '',
    variant: m.platform?.variant ?? '',
  }));
  if (have.length !== spec.platforms.length || spec.platforms.some((p) => !have.some((h) => matchesPlatform(h, p)))) {
    throw new BuildError(
      'VERIFY_FAILED',
      `The image index built for ${spec.platforms.join(', ')} holds ${have.map(platformName).join(', ') || 'nothing'}; nothing was pushed.`,
    );
  }
}

/**
 * Assembles the index of `units` (in their order) in `store`, checks it and pushes it under every tag of the
 * spec; the list is removed again whatever happens. Returns the references pushed and the index digest.
 */
export async function pushImageIndex(
  spec: BuildSpec,
  store: ImageStore,
  units: UnitResult[],
  io: IndexIo,
): Promise<{ references: string[]; indexDigest: string }> {
  const list = `localhost/archway-${randomBytes(6).toString('hex')}-list`;
  const run = indexCommand(io);
  await runChild(manifestRmArgv(store, list), { env: io.env });
  try {
    await run(manifestCreateArgv(store, list), 'Creating the image index');
    for (const u of units)
      await run(manifestAddArgv(store, list, u.store, u.image), `Adding ${u.platform} to the image index`);
    await checkLocalIndex(spec, store, list, io.env);
    const tls = tlsFor(spec.registry, io.access);
    const references: string[] = [];
    let indexDigest = '';
    for (const tag of spec.tags) {
      const reference = `${spec.registry}/${spec.repository}:${tag}`;
      indexDigest = await pushTag({ spec, store, list, reference, first: units[0] as UnitResult, tls }, io, run);
      references.push(reference);
      io.onEvent({ type: 'pushed', reference, digest: indexDigest });
    }
    return { references, indexDigest };
  } finally {
    await runChild(manifestRmArgv(store, list), { env: io.env });
  }
}

/** Pushes the list as `reference` and returns the index digest buildah reports. */
async function pushTag(
  t: { spec: BuildSpec; store: ImageStore; list: string; reference: string; first: UnitResult; tls: TlsChoice },
  io: IndexIo,
  run: IndexCommand,
): Promise<string> {
  const digestFile = join(io.buildDir, 'digest');
  await run(
    manifestPushArgv(t.store, t.list, t.reference, { authFile: io.authFile, tls: t.tls, digestFile }),
    `Pushing ${t.reference}`,
  );
  const indexDigest = (await readFile(digestFile, 'utf8').catch(() => '')).trim();
  if (indexDigest) return indexDigest;
  // buildah 1.28 `manifest push --all` exits 0 with an empty digest file when the registry refuses a blob
  // upload (seen with a 403 DENIED). A plain push of one image reports the registry's answer: use it.
  const probe = `${t.spec.registry}/${t.spec.repository}:archway-push-check-${randomBytes(4).toString('hex')}`;
  await run(
    pushArgv(t.first.store, t.first.image, probe, { authFile: io.authFile, tls: t.tls }),
    `Pushing ${t.reference}`,
  );
  throw new BuildError(
    'ENGINE_FAILED',
    `Pushing ${t.reference} failed: buildah reported no digest for the image index (and a test push to ${probe} worked).`,
  );
}

/** Reads the pushed index back: it must hold exactly the requested platforms. Returns each platform's digest. */
export async function verifyPushedIndex(
  spec: BuildSpec,
  digest: string,
  o: { authFile: string | null; signal: AbortSignal; access: RegistryAccess },
): Promise<Map<Platform, PushedPlatform>> {
  const reference = `${spec.registry}/${spec.repository}@${digest}`;
  const read0 = { authFile: o.authFile, tls: tlsFor(spec.registry, o.access), signal: o.signal };
  const read = await readImagePlatforms(reference, read0);
  const missing = spec.platforms.filter((p) => !read.platforms.some((q) => matchesPlatform(q, p)));
  const got = read.platforms.map(platformName).join(', ') || 'none';
  if (!read.isIndex || missing.length > 0 || read.platforms.length !== spec.platforms.length) {
    throw new BuildError(
      'VERIFY_FAILED',
      `The pushed image index ${reference} does not hold exactly the requested platforms (requested: ${spec.platforms.join(', ')}; it has: ${got}).`,
    );
  }
  // Each platform's manifest is read too (4 reads in parallel: 0.1 s against a local registry): it must exist,
  // and its config and layer sizes are the image's size in the registry, which the log and the page show.
  const entries = await Promise.all(
    spec.platforms.map(async (p): Promise<[Platform, PushedPlatform]> => {
      const platformDigest = read.platforms.find((q) => matchesPlatform(q, p))?.digest ?? '';
      const manifest = await readManifest(`${spec.registry}/${spec.repository}@${platformDigest}`, read0);
      if (!manifest)
        throw new BuildError(
          'VERIFY_FAILED',
          `The pushed image index ${reference} lists ${p} as ${platformDigest}, which the registry does not have.`,
        );
      return [p, { digest: platformDigest, sizeBytes: imageSize(manifest.raw) }];
    }),
  );
  return new Map(entries);
}

/** A platform of a pushed index: its manifest's digest and the image's size in the registry. */
export interface PushedPlatform {
  digest: string;
  sizeBytes: number | null;
}

/** config.size plus every layers[].size of an image manifest (what a pull downloads); null when it has none. */
export function imageSize(raw: string): number | null {
  const m = JSON.parse(raw) as { config?: { size?: unknown }; layers?: Array<{ size?: unknown }> };
  const sizes = [m.config?.size, ...(m.layers ?? []).map((l) => l.size)];
  if (!m.layers || sizes.some((s) => typeof s !== 'number')) return null;
  return (sizes as number[]).reduce((a, b) => a + b, 0);
}
