import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { splitRepository } from '../push-targets/index.js';
import { loadConfig } from '../config/config.js';
import { forgetServerSecrets } from '../process/child.js';
import { AppError, ValidationError } from '../domain/errors.js';
import { DEFAULT_PLATFORMS, isPlatform, PLATFORMS, type Platform } from '../domain/platform.js';
import { normaliseRepoPath } from '../domain/repo-path.js';
import { createBuildahEngine } from '../engine/buildah/buildah-engine.js';
import type { BuildSpec } from '../app/ports/engine.js';
import { createProgressView } from './build-progress.js';

const USAGE = `usage: archway build [flags]   (run in the repository, or pass --workdir)

  --context-path PATH       build context, relative to the repository root (default /)
  --dockerfile-path PATH    Dockerfile, relative to the repository root (default Dockerfile)
  --target-stage NAME       stage to build (default: the last one)
  --build-arg KEY=VALUE     repeatable
  --secret-id ID --secret-src PATH   build secret for RUN --mount=type=secret,id=ID
  --target-platform LIST    comma list of ${PLATFORMS.join(', ')} (default linux/amd64)
  --registry HOST[:PORT]    registry to push to (default: the host part of --repository)
  --repository PATH         repository, e.g. team/app or 127.0.0.1:5000/team/app
  --docker-image-tag TAG    tag (default latest); --versions T1,T2 adds tags
  --login USER --password-stdin      registry credentials (the password is read from stdin)
  --cache-mode MIN|MAX      keep a layer cache for this repository
  --timeout SECONDS  --verbose  --workdir DIR
`;

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: false,
    strict: true,
    options: {
      'context-path': { type: 'string', default: '/' },
      'dockerfile-path': { type: 'string', default: 'Dockerfile' },
      'target-stage': { type: 'string' },
      'build-arg': { type: 'string', multiple: true, default: [] },
      'secret-id': { type: 'string' },
      'secret-src': { type: 'string' },
      'target-platform': { type: 'string' },
      registry: { type: 'string' },
      repository: { type: 'string' },
      'docker-image-tag': { type: 'string', default: 'latest' },
      versions: { type: 'string', multiple: true, default: [] },
      login: { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
      'cache-mode': { type: 'string' },
      timeout: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      workdir: { type: 'string', default: '.' },
      help: { type: 'boolean', default: false },
    },
  }).values;
}

function platformsOf(list: string | undefined): Platform[] {
  if (!list) return [...DEFAULT_PLATFORMS];
  const out = list
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of out)
    if (!isPlatform(p))
      throw new ValidationError(
        `--target-platform has an unsupported platform "${p}"; allowed: ${PLATFORMS.join(', ')}.`,
      );
  return [...new Set(out)] as Platform[];
}

function specFrom(v: ReturnType<typeof parse>, password: string | null): BuildSpec {
  if (!v.repository) throw new ValidationError('--repository is required, e.g. --repository 127.0.0.1:5000/team/app.');
  const split = splitRepository(v.repository);
  const registry = v.registry ?? split.host;
  if (!registry)
    throw new ValidationError(`--repository "${v.repository}" names no registry host; add --registry HOST[:PORT].`);
  if ((v['secret-id'] === undefined) !== (v['secret-src'] === undefined))
    throw new ValidationError('--secret-id and --secret-src go together.');
  if (password !== null && !v.login) throw new ValidationError('--password-stdin needs --login.');
  const root = resolve(v.workdir);
  const inRepo = (field: string, p: string) => join(root, normaliseRepoPath(field, p));
  const mode = v['cache-mode']?.toUpperCase();
  if (mode !== undefined && mode !== 'MIN' && mode !== 'MAX')
    throw new ValidationError('--cache-mode must be MIN or MAX.');
  const timeout = v.timeout === undefined ? null : Number(v.timeout);
  if (timeout !== null && !(Number.isInteger(timeout) && timeout > 0))
    throw new ValidationError('--timeout must be a whole number of seconds.');
  return {
    repoRoot: root,
    contextDir: inRepo('--context-path', v['context-path']),
    dockerfile: inRepo('--dockerfile-path', v['dockerfile-path']),
    targetStage: v['target-stage'] ?? null,
    buildArgs: v['build-arg'].map((a) => {
      const at = a.indexOf('=');
      if (at <= 0) throw new ValidationError(`--build-arg "${a}" must look like KEY=value.`);
      return [a.slice(0, at), a.slice(at + 1)] as const;
    }),
    secret:
      v['secret-id'] && v['secret-src'] ? { id: v['secret-id'], file: inRepo('--secret-src', v['secret-src']) } : null,
    platforms: platformsOf(v['target-platform']),
    registry,
    repository: split.host === registry ? split.path : v.repository,
    tags: [
      v['docker-image-tag'],
      ...v.versions
        .flatMap((t) => t.split(','))
        .map((t) => t.trim())
        .filter(Boolean),
    ],
    credentials: v.login ? { username: v.login, password: password ?? '' } : null,
    cache: {
      mode: mode === 'MAX' ? 'max' : mode === 'MIN' ? 'min' : 'none',
      key: mode ? `cli-${registry}/${split.path}` : null,
      clear: false,
    },
    timeoutMs: timeout === null ? null : timeout * 1000,
  };
}

/** `archway build`: one DOCKER_BUILD_MULTI_ARCH build without a server. Exit 0 on a verified push. */
export async function runBuildCommand(args: string[]): Promise<number> {
  let v: ReturnType<typeof parse>;
  try {
    v = parse(args);
  } catch (error) {
    process.stderr.write(`archway build: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (v.help) return (void process.stdout.write(USAGE), 0);
  const password = v['password-stdin'] ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : null;
  const config = loadConfig();
  forgetServerSecrets();
  const cancel = new AbortController();
  const onSignal = () => cancel.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const view = createProgressView(process.stdout, v.verbose);
  try {
    const spec = { ...specFrom(v, password), signal: cancel.signal };
    const engine = createBuildahEngine({
      dir: join(config.dataDir, 'engine'),
      access: { insecure: config.insecureRegistries, caDir: config.registryCaDir },
    });
    view.summary(await engine.build(spec, (e) => view.onEvent(e)));
    return 0;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    process.stderr.write(`archway build: ${error.message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
