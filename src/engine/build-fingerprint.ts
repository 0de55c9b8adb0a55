import { createHash, type Hash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseInstructions, parseStages } from './dockerfile.js';
import type { BuildSpec } from './engine.js';
import type { BaseImage } from './preflight.js';

/**
 * Bounds of the context walk. Past them the build goes step by step through the layer cache, as without a
 * fingerprint. Hashing runs at roughly 1 GB/s here, so the byte bound costs at most about 0.3 s.
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
    const words = ins.args.split(/\s+/).filter(Boolean);
    if (ins.keyword === 'ADD' && words.some((w) => !w.startsWith('--') && /^([a-z][a-z0-9+.-]*:\/\/|git@)/i.test(w))) {
      return `line ${ins.line} ADDs a remote source`;
    }
    const from = [...ins.args.matchAll(/(?:--from=|--mount=\S*?\bfrom=)([^\s,]+)/g)].map((m) => m[1] as string);
    const image = from.find((f) => !stageNames.has(f.toLowerCase()));
    if (image && ['COPY', 'ADD', 'RUN'].includes(ins.keyword)) return `line ${ins.line} reads from the image ${image}, whose tag may move`;
  }
  return null;
}

/**
 * Feeds the context tree into `hash`: every entry's path, type and mode, a file's content, a link's target
 * (mtimes and owners are left out: a fresh checkout of the same commit has the same fingerprint). A `.git`
 * directory at the repository root counts as its HEAD commit: the rest of it (index timestamps, reflogs) differs
 * between two checkouts of one commit.
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
        hash.update(`git\0${rel}\0${(await readFile(join(path, 'HEAD'), 'utf8').catch(() => '')).trim()}\0`);
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
        hash.update(`file\0${rel}\0${mode}\0${s.size}\0`).update(await readFile(path)).update('\0');
      } else hash.update(`other\0${rel}\0${mode}\0`);
    }
    return null;
  };
  return walk(root);
}

/**
 * A digest of everything that decides what a build produces: the platforms, target stage, build args, the
 * Dockerfile's text, every file of the context, the secret (id and content), and the digest each base image's
 * tag pointed at in pre-flight. Two builds with one fingerprint build the same image index, unless a RUN step
 * reads the network (the layer cache makes the same assumption, and keys on less: it ignores the secret).
 */
export async function fingerprintBuild(spec: BuildSpec, dockerfileText: string, bases: readonly BaseImage[]): Promise<Fingerprint> {
  const unseen = unseenInput(dockerfileText, new Map(spec.buildArgs.map(([k, v]) => [k, v])));
  if (unseen) return { value: null, why: unseen };
  const hash = createHash('sha256');
  hash.update(JSON.stringify({
    version: 1, platforms: spec.platforms, target: spec.targetStage, buildArgs: spec.buildArgs, dockerfile: dockerfileText,
    secretId: spec.secret?.id ?? null, bases: [...bases].sort((a, b) => a.reference.localeCompare(b.reference)),
  }));
  if (spec.secret) hash.update('\0secret\0').update(await readFile(spec.secret.file));
  hash.update('\0context\0');
  const why = await hashTree(hash, spec.contextDir, spec.repoRoot);
  return why ? { value: null, why } : { value: hash.digest('hex') };
}
