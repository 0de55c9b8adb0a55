import { createHash, scrypt, type Hash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fromReferences, parseInstructions, parseStages } from '../dockerfile.js';
import type { BuildSpec } from '../../app/ports/engine.js';
import type { BaseImage } from './preflight.js';

/**
 * Bounds of the context walk. Past them the build goes step by step through the layer cache, as without a
 * fingerprint. sha256 of 256 MiB took 0.27 s here, so the byte bound caps the hashing at about that.
 */
const MAX_FILES = 20_000;
const MAX_BYTES = 256 * 1024 * 1024;

export type Fingerprint = { value: string } | { value: null; why: string };

/**
 * What the Dockerfile reads besides its context, its base images and its secret, which a fingerprint cannot
 * see: a remote ADD source, or an image named in `--from` (its tag may move). Null when there is nothing.
 */
function unseenInput(dockerfileText: string, buildArgs: ReadonlyMap<string, string>): string | null {
  const stages = parseStages(dockerfileText, buildArgs);
  const stageNames = new Set(stages.flatMap((s) => (s.name ? [s.name, String(s.index)] : [String(s.index)])));
  for (const ins of parseInstructions(dockerfileText)) {
    // Any URL, git remote or variable in an ADD (JSON form included): what it fetches is not in the context.
    if (ins.keyword === 'ADD' && /:\/\/|git@|\$/.test(ins.args))
      return `line ${ins.line} ADDs a remote or variable source`;
    const image = fromReferences(ins.args).find((f) => !stageNames.has(f.toLowerCase()));
    if (image && ['COPY', 'ADD', 'RUN'].includes(ins.keyword))
      return `line ${ins.line} reads from the image ${image}, whose tag may move`;
  }
  return null;
}

/**
 * Feeds the context tree into `hash`: every entry's path, type and mode, a file's content, a link's target
 * (mtimes and owners are left out: a fresh checkout of the same commit has the same fingerprint). A `.git`
 * directory at the repository root counts as its HEAD and its refs (`RUN git describe` sees tags): the rest of
 * it (index timestamps, reflogs, packs) differs between two clones of one commit.
 */
async function hashTree(hash: Hash, root: string, repoRoot: string): Promise<string | null> {
  let files = 0;
  let bytes = 0;
  const walk = async (dir: string): Promise<string | null> => {
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      const path = join(dir, name);
      const rel = relative(root, path);
      if (path === join(repoRoot, '.git')) {
        await hashGitRefs(hash, rel, path);
        continue;
      }
      if (++files > MAX_FILES) return `the context has more than ${MAX_FILES} entries`;
      const s = await lstat(path);
      const mode = (s.mode & 0o7777).toString(8);
      if (s.isSymbolicLink()) hash.update(`link\0${rel}\0${mode}\0${await readlink(path)}\0`);
      else if (s.isDirectory()) {
        hash.update(`dir\0${rel}\0${mode}\0`);
        const why = await walk(path);
        if (why) return why;
      } else if (s.isFile()) {
        bytes += s.size;
        if (bytes > MAX_BYTES) return `the context holds more than ${MAX_BYTES / 1024 / 1024} MiB`;
        hash
          .update(`file\0${rel}\0${mode}\0${s.size}\0`)
          .update(await readFile(path))
          .update('\0');
      } else hash.update(`other\0${rel}\0${mode}\0`);
    }
    return null;
  };
  return walk(root);
}

/** HEAD, packed-refs and every loose ref of a .git directory (names and targets). */
async function hashGitRefs(hash: Hash, rel: string, gitDir: string): Promise<void> {
  const read = (path: string) => readFile(path, 'utf8').catch(() => '');
  hash.update(
    `git\0${rel}\0${(await read(join(gitDir, 'HEAD'))).trim()}\0${await read(join(gitDir, 'packed-refs'))}\0`,
  );
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await readdir(dir, { withFileTypes: true }).catch(() => [])).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else hash.update(`ref\0${relative(gitDir, path)}\0${(await read(path)).trim()}\0`);
    }
  };
  await walk(join(gitDir, 'refs'));
}

/**
 * The secret's share of the fingerprint. MAX publishes fingerprints as registry tags, so a plain hash would let
 * whoever can list them and knows the other inputs test guesses of a weak secret offline; scrypt makes each
 * guess cost ~0.1 s here (measured: 99 ms, N=2^14), and a build with a secret the same once. Fixed salt: two
 * agents must agree.
 */
function secretDigest(content: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(content, 'archway-build-fingerprint-secret', 32, { N: 2 ** 14, r: 8, p: 1 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/**
 * A digest of everything that decides what a build produces: the platforms, target stage, build args, the
 * Dockerfile's text, every file of the context, the secret (id and content), the digest each base image's
 * tag pointed at in pre-flight, and the engine's version (`buildah --version`: a fixed or changed engine
 * builds afresh). Two builds with one fingerprint build the same image index, unless a RUN step reads the
 * network (the layer cache makes the same assumption, and keys on less: it ignores the secret).
 */
export async function fingerprintBuild(
  spec: BuildSpec,
  dockerfileText: string,
  bases: readonly BaseImage[],
  engineVersion: string,
): Promise<Fingerprint> {
  const unseen = unseenInput(dockerfileText, new Map(spec.buildArgs.map(([k, v]) => [k, v])));
  if (unseen) return { value: null, why: unseen };
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({
      version: 3,
      engine: engineVersion,
      platforms: spec.platforms,
      target: spec.targetStage,
      buildArgs: spec.buildArgs,
      dockerfile: dockerfileText,
      secretId: spec.secret?.id ?? null,
      bases: [...bases].sort((a, b) => a.reference.localeCompare(b.reference)),
    }),
  );
  try {
    if (spec.secret) hash.update('\0secret\0').update(await secretDigest(await readFile(spec.secret.file)));
    hash.update('\0context\0');
    const why = await hashTree(hash, spec.contextDir, spec.repoRoot);
    return why ? { value: null, why } : { value: hash.digest('hex') };
  } catch (error) {
    // An unreadable file is buildah's to report (or not, if the Dockerfile never reads it): build step by step.
    return {
      value: null,
      why: `the context could not be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    };
  }
}
