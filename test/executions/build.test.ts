import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { runChild } from '../../src/process/child.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBuiltInAgent } from '../../src/cli/compose.js';
import type { LocalRegistry } from '../../src/registry-server/local-registry.js';
import { startApi, type Api } from '../support/api-harness.js';
import { ensureBusyboxBase } from '../support/busybox-base.js';
import { fetchImage, rawIndex } from '../support/image-files.js';
import { startOpenRegistry, writeAuthFile } from '../support/registry.js';
import { TWO_STAGE_DOCKERFILE } from '../engine/helpers.js';

const SECRET = 'file-variable-secret-91b2-NEVER-SHOWN';
const quiet = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  fatal() {},
  trace() {},
  child() {
    return quiet;
  },
  level: 'silent',
  silent() {},
} as never;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.com', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();
}

/**
 * Issue 4 end to end with real parts: a git repository made here, the API on a real SQLite file, the built-in
 * agent over loopback HTTP, the buildah engine under QEMU, a registry on 127.0.0.1.
 */
describe('pipelines run real multi-arch builds', () => {
  let work: string;
  let registry: LocalRegistry;
  let api: Api;
  let repo: string;
  let stopAgent: () => Promise<void>;
  const P = '/workspaces/acme/projects/site/pipelines';

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'archway-e2e-'));
    registry = await startOpenRegistry(join(work, 'registry'));
    const base = await ensureBusyboxBase(registry.host);
    repo = join(work, 'repo');
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    writeFileSync(join(work, 'Dockerfile'), '');
    execFileSync('mkdir', ['-p', join(repo, 'docker/app'), join(repo, 'slow')]);
    writeFileSync(join(repo, 'docker/Dockerfile'), TWO_STAGE_DOCKERFILE(base));
    writeFileSync(join(repo, 'docker/app/message.txt'), 'from git\n');
    writeFileSync(join(repo, 'slow/Dockerfile'), `FROM ${base}\nRUN echo slow-started && sleep 60\n`);
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'Add the Dockerfiles');
    api = await startApi(
      {
        ARCHWAY_INSECURE_REGISTRIES: registry.host,
        ARCHWAY_AGENT_LEASE_SECONDS: '5',
        ARCHWAY_BUILTIN_REGISTRY: '1',
        ARCHWAY_BUILTIN_REGISTRY_ADDR: '127.0.0.1:0',
      },
      { listen: true, claimWaitMs: 1000 },
    );
    stopAgent = await startBuiltInAgent(api.config, api.core, api.baseUrl, quiet);
    expect((await api.post('/workspaces', { domain: 'acme', name: 'Acme' })).status).toBe(201);
    expect((await api.post('/workspaces/acme/projects', { display_name: 'Site', custom_repo_url: repo })).status).toBe(
      201,
    );
  });
  afterAll(async () => {
    await stopAgent?.();
    await api?.close();
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  async function pipeline(name: string, action: Record<string, unknown>): Promise<string> {
    const p = await api.post(P, { name });
    expect(p.status).toBe(201);
    const path = `${P}/${p.body.id}`;
    const a = await api.post(`${path}/actions`, {
      type: 'DOCKER_BUILD_MULTI_ARCH',
      name: 'Build multi-arch image',
      repository: `${registry.host}/team/${name}`,
      ...action,
    });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    return path;
  }
  async function waitFor(path: string, statuses: string[], ms = 200_000) {
    for (const end = Date.now() + ms; ;) {
      const res = await api.get(path);
      if (statuses.includes(res.body.status)) return res.body;
      if (Date.now() > end) throw new Error(`still ${res.body.status}: ${JSON.stringify(res.body)}`);
      await sleep(250);
    }
  }
  const logOf = async (path: string, run: any) =>
    (await api.get(`${path}/executions/${run.id}/action/${run.action_executions[0].action.id}?per_page=5000`)).body
      .log as string[];

  it('runs the seed action with variables and a FILE secret to a verified 4-platform index', async () => {
    const path = await pipeline('site', {
      dockerfile_path: 'docker/Dockerfile',
      context_path: '/docker',
      target_stage: '$targetStage',
      secret_id: '$secretId',
      secret_src: '$path_to_secret',
      build_args: ['GREETING=$greeting'],
      docker_image_tag: 'build-$BUDDY_EXECUTION_ID',
      target_platform: 'linux/amd64,linux/arm64,linux/arm/v7,linux/arm/v6',
    });
    const pipelineId = Number(path.split('/').pop());
    const vars = [
      { key: 'targetStage', value: 'final' },
      { key: 'secretId', value: 'token', project: { name: 'site' } },
      { key: 'path_to_secret', value: 'secrets/token.txt', project: { name: 'site' }, pipeline: { id: pipelineId } },
      {
        key: 'TOKEN_FILE',
        value: SECRET,
        type: 'FILE',
        file_path: 'secrets/token.txt',
        file_chmod: '600',
        encrypted: true,
        project: { name: 'site' },
      },
      { key: 'greeting', value: 'hello-e2e', project: { name: 'site' }, pipeline: { id: pipelineId } },
    ];
    for (const v of vars) expect((await api.post('/workspaces/acme/variables', v)).status, JSON.stringify(v)).toBe(201);
    const run = await api.post(`${path}/executions`, { to_revision: { revision: 'HEAD' }, comment: 'e2e' });
    expect(run.status, JSON.stringify(run.body)).toBe(200); // Buddy answers a run with 200
    const done = await waitFor(`${path}/executions/${run.body.id}`, ['SUCCESSFUL', 'FAILED', 'TERMINATED']);
    const log = await logOf(path, done);
    expect(done.status, `${done.action_executions[0].error_message}\n${log.slice(-30).join('\n')}`).toBe('SUCCESSFUL');
    expect(done.to_revision.revision).toBe(git(repo, 'rev-parse', 'HEAD'));
    for (const p of ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6'])
      expect(log.some((l) => l.startsWith(`[${p}] [1/2] STEP 1/`))).toBe(true);
    expect(log.join('\n')).not.toContain(SECRET);
    const index = await rawIndex(`${registry.host}/team/site:build-${run.body.id}`);
    expect(index.manifests).toHaveLength(4);
    const arm64 = index.manifests.find((m: any) => m.platform.architecture === 'arm64');
    const image = await fetchImage(`${registry.host}/team/site@${arm64.digest}`, join(work, 'img-arm64'));
    for (const blob of image.blobs) expect(blob.includes(Buffer.from(SECRET))).toBe(false);
    expect(image.config.architecture).toBe('arm64');
  });

  it('a failing RUN fails the run with the platform and step; RETRY after the fix succeeds', async () => {
    writeFileSync(
      join(repo, 'docker/Fail.Dockerfile'),
      `FROM ${registry.host}/library/busybox:latest\nARG MODE\nRUN test "$MODE" != broken || exit 4\n`,
    );
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'Add a Dockerfile that fails');
    const path = await pipeline('retry', {
      dockerfile_path: 'docker/Fail.Dockerfile',
      context_path: '/docker',
      build_args: ['MODE=$mode'],
      target_platform: ['linux/arm64'],
    });
    const pipelineId = Number(path.split('/').pop());
    const mode = await api.post('/workspaces/acme/variables', {
      key: 'mode',
      value: 'broken',
      project: { name: 'site' },
      pipeline: { id: pipelineId },
    });
    const run = await api.post(`${path}/executions`, {});
    const failed = await waitFor(`${path}/executions/${run.body.id}`, ['SUCCESSFUL', 'FAILED', 'TERMINATED']);
    expect(failed.status).toBe('FAILED');
    expect(failed.action_executions[0].error_message).toBe(
      'RUN step failed on linux/arm64 at step 3/3 (RUN test "$MODE" != broken || exit 4) with exit code 4.',
    );
    await expect(rawIndex(`${registry.host}/team/retry:latest`)).rejects.toThrow(/manifest unknown|name unknown/);
    expect((await api.patch(`/workspaces/acme/variables/${mode.body.id}`, { value: 'fixed' })).status).toBe(200);
    expect((await api.patch(`${path}/executions/${run.body.id}`, { operation: 'RETRY' })).status).toBe(200);
    const retried = await waitFor(`${path}/executions/${run.body.id}`, ['SUCCESSFUL', 'FAILED', 'TERMINATED']);
    expect(retried.status, retried.action_executions[0].error_message).toBe('SUCCESSFUL');
    expect((await rawIndex(`${registry.host}/team/retry:latest`)).manifests).toHaveLength(1);
  });

  it('an action with a bare repository and no registry pushes to the built-in registry; a second run of the same commit reuses the index', async () => {
    const builtIn = api.core.defaultRegistry;
    expect(builtIn?.host).toMatch(/^127\.0\.0\.1:\d+$/);
    // The whole repository as the context: its .git (a fresh clone each run) must not make the runs differ.
    const path = await pipeline('bare', {
      dockerfile_path: 'bare/Dockerfile',
      context_path: '/',
      target_platform: 'linux/arm/v6',
      repository: 'team/bare',
    });
    execFileSync('mkdir', ['-p', join(repo, 'bare')]);
    writeFileSync(
      join(repo, 'bare/Dockerfile'),
      `FROM ${registry.host}/library/busybox:latest\nRUN uname -m > /arch\n`,
    );
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'A Dockerfile for the built-in registry');
    const run = await api.post(`${path}/executions`, {});
    const done = await waitFor(`${path}/executions/${run.body.id}`, ['SUCCESSFUL', 'FAILED', 'TERMINATED']);
    expect(done.status, done.action_executions[0].error_message).toBe('SUCCESSFUL');
    const password = readFileSync(join(api.dataDir, 'registry', 'password'), 'utf8');
    expect((await logOf(path, done)).join('\n')).not.toContain(password);
    const authFile = writeAuthFile(join(work, 'builtin-auth.json'), builtIn?.host ?? '', { user: 'archway', password });
    const read = await runChild([
      'skopeo',
      'inspect',
      '--raw',
      '--tls-verify=false',
      '--authfile',
      authFile,
      `docker://${builtIn?.host}/team/bare:latest`,
    ]);
    expect(JSON.parse(read.stdout).manifests.map((m: any) => m.platform.variant)).toEqual(['v6']);

    const again = await api.post(`${path}/executions`, {});
    const second = await waitFor(`${path}/executions/${again.body.id}`, ['SUCCESSFUL', 'FAILED', 'TERMINATED']);
    expect(second.status, second.action_executions[0].error_message).toBe('SUCCESSFUL');
    const log = (await logOf(path, second)).join('\n');
    expect(log).toMatch(
      /Nothing changed since the build of sha256:[0-9a-f]{64} \(same Dockerfile, context, build args, secret and base images\): reusing it/,
    );
    expect(log).not.toMatch(/STEP \d+\/\d+/);
    expect(log).toMatch(/Image index sha256:[0-9a-f]{64} unchanged, now tagged as 127\.0\.0\.1:\d+\/team\/bare:latest/);
  });

  it('CANCEL mid-build ends TERMINATED and pushes no tag', async () => {
    const path = await pipeline('slow', {
      dockerfile_path: 'slow/Dockerfile',
      context_path: '/slow',
      target_platform: 'linux/amd64',
    });
    const run = await api.post(`${path}/executions`, {});
    const url = `${path}/executions/${run.body.id}`;
    for (const end = Date.now() + 60_000; ;) {
      const current = (await api.get(url)).body;
      if (current.status === 'INPROGRESS' && (await logOf(path, current)).some((l) => l.endsWith('slow-started')))
        break;
      if (Date.now() > end) throw new Error('the slow build never started');
      await sleep(200);
    }
    const started = Date.now();
    expect((await api.patch(url, { operation: 'CANCEL' })).status).toBe(200);
    const done = await waitFor(url, ['TERMINATED', 'FAILED', 'SUCCESSFUL'], 30_000);
    expect(done.status).toBe('TERMINATED');
    expect(Date.now() - started).toBeLessThan(20_000);
    await expect(rawIndex(`${registry.host}/team/slow:latest`)).rejects.toThrow(/manifest unknown|name unknown/);
  });
});
