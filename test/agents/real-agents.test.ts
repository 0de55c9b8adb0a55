import { mkdtempSync, rmSync } from 'node:fs';
import { machine, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { startCli, startServerProcess, type CliProcess, type ServerProcess } from '../support/server-process.js';

interface AgentJson {
  id: string;
  name: string;
  known: boolean;
  host_platform: string | null;
  native_platforms: string[];
  emulated_platforms: string[];
}

/**
 * Issue 14 part 1 end to end, on this x86_64 machine (qemu-user-static + binfmt installed): `archway serve` with its
 * built-in agent and an `archway agent` told that arm64 and arm/v7 are native each detect their platforms with the
 * real host checks and say so at start; a bad ARCHWAY_AGENT_PLATFORMS stops both from starting.
 */
describe.runIf(machine() === 'x86_64')('real agents report what they run', () => {
  const work = mkdtempSync(join(tmpdir(), 'archway-agents-'));
  let server: ServerProcess;
  const agents: CliProcess[] = [];

  const listed = async (name: string): Promise<AgentJson | undefined> =>
    ((await server.call('GET', '/agent/v1/agents')).body.agents as AgentJson[]).find((a) => a.name === name);
  async function reported(name: string): Promise<AgentJson> {
    for (const end = Date.now() + 60_000; Date.now() < end; await sleep(200)) {
      const agent = await listed(name);
      if (agent?.host_platform) return agent;
    }
    throw new Error(`${name} did not report its platforms within 60 s:\n${server.output()}`);
  }

  beforeAll(async () => {
    server = await startServerProcess({
      port: await freePort(),
      dataDir: join(work, 'server'),
      repoRoot: work,
      env: { ARCHWAY_BUILTIN_AGENT: '1', ARCHWAY_GIT_POLL_SECONDS: '0' },
      logFile: join(work, 'server.log'),
    });
  }, 90_000);
  afterAll(async () => {
    for (const agent of agents) await agent.stop();
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('the built-in agent: host linux/amd64, native linux/amd64, emulates arm64, arm/v7 and arm/v6', async () => {
    expect(await reported('built-in')).toMatchObject({
      known: true,
      host_platform: 'linux/amd64',
      native_platforms: ['linux/amd64'],
      emulated_platforms: ['linux/arm64', 'linux/arm/v7', 'linux/arm/v6'],
    });
  }, 70_000);

  it('archway agent with ARCHWAY_AGENT_PLATFORMS: routed as native for those, the host still linux/amd64', async () => {
    const made = await server.call('POST', '/agent/v1/agents', { name: 'told-arm' });
    expect(made.status).toBe(201);
    agents.push(
      startCli(
        ['agent', '--server', server.url],
        {
          ARCHWAY_AGENT_TOKEN: made.body.token,
          ARCHWAY_DATA_DIR: join(work, 'agent'),
          ARCHWAY_AGENT_PLATFORMS: 'linux/arm64,linux/arm/v7',
        },
        join(work, 'agent.log'),
      ),
    );
    expect(await reported('told-arm')).toMatchObject({
      known: true,
      host_platform: 'linux/amd64',
      native_platforms: ['linux/arm64', 'linux/arm/v7'],
      emulated_platforms: ['linux/arm/v6'],
    });
  }, 70_000);

  it('a bad ARCHWAY_AGENT_PLATFORMS: archway agent and archway serve refuse to start, saying why', async () => {
    const bad = { ARCHWAY_AGENT_PLATFORMS: 'linux/arm64,linux/mips', ARCHWAY_DATA_DIR: join(work, 'bad') };
    const message = /ARCHWAY_AGENT_PLATFORMS has an unsupported platform "linux\/mips"; allowed: linux\/amd64/;
    const agent = startCli(
      ['agent', '--server', server.url],
      { ...bad, ARCHWAY_AGENT_TOKEN: 'unused' },
      join(work, 'bad-agent.log'),
    );
    const serve = startCli(['serve'], { ...bad, PORT: String(await freePort()) }, join(work, 'bad-serve.log'));
    expect(await agent.exited).toEqual({ code: 1, signal: null });
    expect(agent.output()).toMatch(message);
    expect(await serve.exited).toEqual({ code: 1, signal: null });
    expect(serve.output()).toMatch(message);
  }, 60_000);
});
