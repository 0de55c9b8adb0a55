import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { machine, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRegistry } from '../../src/registry-server/local-registry.js';
import { ensureBusyboxBase } from '../support/busybox-base.js';
import { freePort } from '../support/free-port.js';
import { fetchImage, rawIndex, unpackLayers } from '../support/image-files.js';
import { startOpenRegistry } from '../support/registry.js';
import { initDockerfileRepo } from '../support/runnable-pipeline.js';
import { startCli, startServerProcess, type CliProcess, type ServerProcess } from '../support/server-process.js';

const P = '/workspaces/acme/projects/site/pipelines';
/** Long enough that the remaining agent builds amd64 (native, about 1 s) and arm/v6 (nobody's native) first. */
const NATIVE_WAIT_S = 10;
const PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6'];
const ARCH = { 'linux/amd64': 'x86_64', 'linux/arm64': 'aarch64', 'linux/arm/v7': 'armv7l', 'linux/arm/v6': 'armv7l' };

/**
 * Issue 14 on this one x86 machine, for real: `archway serve` and two `archway agent`s on loopback, one told by
 * ARCHWAY_AGENT_PLATFORMS that arm64 and arm/v7 are native (it still runs them under QEMU here, and says so), real
 * buildah builds under QEMU, a real registry. A RUN step asks a little HTTP server of the test whether it may pass,
 * which is how one platform is made to fail once without changing anything the build is made from.
 */
describe.runIf(machine() === 'x86_64')('a build fanned out over two agents', () => {
  const work = mkdtempSync(join(tmpdir(), 'archway-fan-out-'));
  let registry: LocalRegistry;
  let server: ServerProcess;
  let gate: Server;
  /** Platforms whose RUN step is refused (once each, after a pause that lets the others finish first). */
  const refuse = new Set<string>();
  const agents = new Map<string, CliProcess>();
  let pipeline: number;

  const startAgent = async (name: string, env: Record<string, string> = {}) => {
    const made = await server.call('POST', '/agent/v1/agents', { name });
    const agent = startCli(
      ['agent', '--server', server.url],
      {
        ARCHWAY_AGENT_TOKEN: made.body.token,
        ARCHWAY_DATA_DIR: join(work, `agent-${name}`),
        ARCHWAY_INSECURE_REGISTRIES: registry.host,
        ...env,
      },
      join(work, `agent-${name}.log`),
    );
    agents.set(name, agent);
    for (const end = Date.now() + 60_000; Date.now() < end; await sleep(200)) {
      const listed = (await server.call('GET', '/agent/v1/agents')).body.agents as Array<{
        name: string;
        host_platform: string | null;
      }>;
      if (listed.some((a) => a.name === name && a.host_platform)) return;
    }
    throw new Error(`agent ${name} never said what it runs:\n${readFileSync(join(work, `agent-${name}.log`), 'utf8')}`);
  };

  async function run(body: object = {}) {
    const res = await server.call('POST', `${P}/${pipeline}/executions`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.id as number;
  }
  async function ended(id: number, ms = 240_000) {
    for (const end = Date.now() + ms; Date.now() < end; await sleep(500)) {
      const e = (await server.call('GET', `${P}/${pipeline}/executions/${id}`)).body;
      if (['SUCCESSFUL', 'FAILED', 'TERMINATED'].includes(e.status)) return e;
    }
    throw new Error(`execution ${id} did not end:\n${server.output()}`);
  }
  async function logOf(id: number): Promise<string[]> {
    const e = (await server.call('GET', `${P}/${pipeline}/executions/${id}`)).body;
    const ae = e.action_executions[0].action_execution_id ?? e.action_executions[0].id;
    const res = await server.call('GET', `${P}/${pipeline}/executions/${id}/action_executions/${ae}?limit=5000`);
    return res.body.log as string[];
  }
  const startedOn = (log: string[], platform: string) =>
    log.find((l) => l.startsWith(`[${platform}] build started on `));

  beforeAll(async () => {
    registry = await startOpenRegistry(join(work, 'registry'));
    const base = await ensureBusyboxBase(registry.host);
    const gatePort = await freePort();
    gate = createServer((req, res) => {
      const platform = decodeURIComponent((req.url ?? '/').slice(1).replace(/\?.*$/, ''));
      if (!refuse.has(platform)) return void res.end('ok\n');
      refuse.delete(platform);
      setTimeout(() => res.writeHead(503).end('refused\n'), 8_000);
    }).listen(gatePort, '127.0.0.1');
    const repo = join(work, 'repo');
    initDockerfileRepo(
      repo,
      [
        // Cross-compilation's shape: a stage for the building machine, built apart and natively on each agent.
        `FROM --platform=$BUILDPLATFORM ${base} AS tool`,
        'RUN uname -m > /tool-on.txt',
        `FROM ${base}`,
        'COPY --from=tool /tool-on.txt /',
        'ARG TARGETPLATFORM',
        // A step of its own per run, so that no layer cache skips the gate (a RETRY is the same run).
        'ARG RUN_ID',
        'RUN uname -m > /arch.txt',
        `RUN busybox wget -q -O /gate.txt "http://127.0.0.1:${gatePort}/$TARGETPLATFORM?run=$RUN_ID"`,
        '',
      ].join('\n'),
    );
    server = await startServerProcess({
      port: await freePort(),
      dataDir: join(work, 'server'),
      repoRoot: work,
      env: {
        ARCHWAY_BUILTIN_AGENT: '0',
        ARCHWAY_BUILTIN_REGISTRY: '0',
        ARCHWAY_GIT_POLL_SECONDS: '0',
        ARCHWAY_NATIVE_WAIT_SECONDS: String(NATIVE_WAIT_S),
        ARCHWAY_INSECURE_REGISTRIES: registry.host,
      },
      logFile: join(work, 'server.log'),
    });
    await startAgent('x86');
    await startAgent('told-arm', { ARCHWAY_AGENT_PLATFORMS: 'linux/arm64,linux/arm/v7' });
    await server.call('POST', '/workspaces', { domain: 'acme', name: 'Acme' });
    await server.call('POST', '/workspaces/acme/projects', { display_name: 'Site', custom_repo_url: repo });
    pipeline = (await server.call('POST', P, { name: 'fan', refs: ['main'] })).body.id;
    const action = await server.call('POST', `${P}/${pipeline}/actions`, {
      type: 'DOCKER_BUILD_MULTI_ARCH',
      name: 'Build multi-arch image',
      repository: `${registry.host}/team/fan`,
      docker_image_tag: 'latest',
      target_platform: PLATFORMS.join(','),
      build_args: ['RUN_ID=$BUDDY_EXECUTION_ID'],
    });
    expect(action.status, JSON.stringify(action.body)).toBe(201);
  }, 180_000);
  afterAll(async () => {
    for (const agent of agents.values()) await agent.stop();
    await server?.stop();
    await registry?.stop();
    gate?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('builds arm64 and arm/v7 on the agent told they are native, amd64 and arm/v6 on the other; one verified index', async () => {
    const id = await run();
    const e = await ended(id);
    const log = await logOf(id);
    expect(e.status, log.join('\n')).toBe('SUCCESSFUL');
    expect(startedOn(log, 'linux/arm64')).toBe('[linux/arm64] build started on told-arm (emulated with QEMU)');
    expect(startedOn(log, 'linux/arm/v7')).toBe('[linux/arm/v7] build started on told-arm (emulated with QEMU)');
    expect(startedOn(log, 'linux/amd64')).toBe('[linux/amd64] build started on x86 (native)');
    expect(startedOn(log, 'linux/arm/v6')).toMatch(/^\[linux\/arm\/v6\] build started on (x86|told-arm) \(emulated/);
    expect(log.some((l) => /^Image index sha256:[0-9a-f]{64} pushed as .*team\/fan:latest/.test(l))).toBe(true);

    const index = await rawIndex(`${registry.host}/team/fan:latest`);
    expect(
      index.manifests.map((m: any) =>
        [m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join('/'),
      ),
    ).toEqual(PLATFORMS);
    for (const m of index.manifests) {
      const p = [m.platform.os, m.platform.architecture, m.platform.variant]
        .filter(Boolean)
        .join('/') as keyof typeof ARCH;
      const slug = p.replaceAll('/', '-');
      const image = await fetchImage(`${registry.host}/team/fan@${m.digest}`, join(work, 'img', `${id}-${slug}`));
      const rootfs = await unpackLayers(image, join(work, 'rootfs', `${id}-${slug}`));
      expect(readFileSync(join(rootfs, 'arch.txt'), 'utf8').trim(), p).toBe(ARCH[p]);
      expect(readFileSync(join(rootfs, 'tool-on.txt'), 'utf8').trim(), p).toBe('x86_64');
    }
    // Each agent built the $BUILDPLATFORM stage once, natively, and its other platforms reused it.
    const apart = log.filter((l) => l.includes('Stage tool (FROM --platform=$BUILDPLATFORM) is built on its own'));
    expect(apart).toHaveLength(2);
    expect(apart.every((l) => l.endsWith('for linux/amd64 (native)'))).toBe(true);
    expect(log.filter((l) => l.includes('Stage tool: its linux/amd64 build is reused'))).toHaveLength(2);
  }, 300_000);

  it('a platform that fails fails the action; RETRY rebuilds only that platform and reuses the others', async () => {
    refuse.add('linux/arm/v7');
    const id = await run();
    const failed = await ended(id);
    expect(failed.status).toBe('FAILED');
    expect(failed.action_executions[0].status).toBe('FAILED');
    const before = await logOf(id);
    expect(before.some((l) => l.startsWith('[linux/arm/v7] Failed: '))).toBe(true);

    const retried = await server.call('PATCH', `${P}/${pipeline}/executions/${id}`, { operation: 'RETRY' });
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    const e = await ended(id);
    const log = await logOf(id);
    expect(e.status, log.join('\n')).toBe('SUCCESSFUL');
    const after = log.slice(before.length);
    for (const p of ['linux/amd64', 'linux/arm64', 'linux/arm/v6']) {
      expect(
        after.some((l) => l.startsWith(`[${p}] sha256:`) && l.includes(' reused: ')),
        p,
      ).toBe(true);
      expect(startedOn(after, p), `${p} was built again`).toBeUndefined();
    }
    expect(startedOn(after, 'linux/arm/v7')).toBe('[linux/arm/v7] build started on told-arm (emulated with QEMU)');
  }, 300_000);

  it('with the arm agent stopped, its platforms fall back to QEMU on the remaining agent after the wait', async () => {
    await agents.get('told-arm')!.stop();
    agents.delete('told-arm');
    const id = await run({ clear_cache: true });
    const e = await ended(id);
    const log = await logOf(id);
    expect(e.status, log.join('\n')).toBe('SUCCESSFUL');
    for (const p of PLATFORMS)
      expect(startedOn(log, p), p).toBe(
        `[${p}] build started on x86 (${p === 'linux/amd64' ? 'native' : 'emulated with QEMU'})`,
      );
    // arm64 and arm/v7 were queued before arm/v6, yet waited for their (still known) native agent.
    const at = (p: string) => log.indexOf(startedOn(log, p)!);
    expect(at('linux/arm/v6')).toBeLessThan(at('linux/arm64'));
    expect(at('linux/arm/v6')).toBeLessThan(at('linux/arm/v7'));
  }, 300_000);
});
