import { lstat, mkdir, realpath, rm, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import type { BuildRequest, BuildRunner, JobWork } from '../app/ports/job-work.js';
import type { JobSpec } from '../domain/job-spec.js';
import type { WorkTrees } from '../app/ports/work-trees.js';
import { BuildError, ValidationError } from '../domain/errors.js';

async function inside(root: string, path: string): Promise<string> {
  const target = join(root, path);
  const parent = await realpath(dirname(target)).catch(() => null);
  const rootReal = await realpath(root);
  if (parent === null || (parent !== rootReal && !parent.startsWith(rootReal + sep))) {
    throw new ValidationError(`"${path}" leaves the repository (through a symbolic link?); refusing to use it.`);
  }
  return target;
}

/**
 * Makes the directories above `path` one level at a time, each only after its parent was seen to resolve inside
 * the work tree: a committed symbolic link (`conf -> /etc`) is refused before anything is created through it.
 */
async function makeParentsInside(root: string, path: string): Promise<void> {
  const rootReal = await realpath(root);
  const parts = dirname(path)
    .split('/')
    .filter((p) => p !== '' && p !== '.');
  let at = root;
  for (const part of parts) {
    at = join(at, part);
    const real = await realpath(at).catch(() => null);
    if (real === null) {
      await mkdir(at, { mode: 0o755 });
      continue;
    }
    if (real !== rootReal && !real.startsWith(rootReal + sep))
      throw new ValidationError(`"${path}" leaves the repository (through a symbolic link?); refusing to use it.`);
  }
}

/** The build request of an INDEX part: no work tree (its paths point nowhere it reads). */
function indexOnly(
  spec: JobSpec,
  dir: string,
  signal: AbortSignal,
  log: (line: string) => void,
  progress: (p: number) => void,
): BuildRequest {
  return {
    spec: spec.build,
    repoRoot: dir,
    contextDir: dir,
    dockerfile: join(dir, 'Dockerfile'),
    secretFile: null,
    workDir: dir,
    cacheKey: spec.cacheKey,
    clearCache: false,
    timeoutMs: spec.timeoutSeconds === null ? null : spec.timeoutSeconds * 1000,
    signal,
    mask: spec.mask,
    log,
    progress,
  };
}

/** Checkout, FILE variables, build, cleanup: one job on this agent. */
export function createJobWork(deps: { trees: WorkTrees; build: BuildRunner }): JobWork {
  return async (spec, { dir, log, signal, progress, agentName }) => {
    const src = join(dir, 'src');
    if (spec.part?.kind === 'INDEX') {
      // The index of images already pushed: nothing of the repository is read.
      return deps.build({ ...indexOnly(spec, dir, signal, log, progress), part: spec.part, agentName });
    }
    if (spec.refresh) await deps.trees.forget(spec.projectKey);
    log(`Checking out ${spec.sha.slice(0, 12)} of ${spec.repository.url}`);
    await deps.trees.materialize(spec.projectKey, spec.repository, spec.sha, src);
    const written: string[] = [];
    try {
      for (const file of spec.files) {
        await makeParentsInside(src, file.path);
        const target = await inside(src, file.path);
        await rm(target, { force: true });
        await writeFile(target, file.content, { mode: file.mode, flag: 'wx' });
        written.push(target);
      }
      const b = spec.build;
      let secretFile: string | null = null;
      if (b.secret) {
        secretFile = await inside(src, b.secret.srcPath);
        const stat = await lstat(secretFile).catch(() => null);
        if (!stat?.isFile())
          throw new BuildError(
            'SECRET_NOT_FOUND',
            `"secret_src" ${b.secret.srcPath} is neither a file in the repository nor a FILE variable of the action.`,
          );
      }
      return await deps.build({
        spec: b,
        repoRoot: src,
        contextDir: join(src, b.contextPath),
        dockerfile: join(src, b.dockerfilePath),
        secretFile,
        workDir: dir,
        cacheKey: spec.cacheKey,
        clearCache: spec.clearCache,
        timeoutMs: spec.timeoutSeconds === null ? null : spec.timeoutSeconds * 1000,
        signal,
        mask: spec.mask,
        log,
        progress,
        part: spec.part,
        agentName,
      });
    } finally {
      for (const f of written) await rm(f, { force: true });
      await deps.trees.discard(src).catch(() => undefined);
    }
  };
}
