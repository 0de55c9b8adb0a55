/**
 * The fan-out's cost and gain (run: `npx tsx bench/fan-out/overhead.ts`; a benchmark, never a timed test). The
 * same 4-platform build with a CPU-bound RUN step (a busybox shell loop, engine-notes section 1), RUNS times each:
 *  - one agent, ARCHWAY_FANOUT=off: today's single job, the engine building the units two at a time;
 *  - two agents on this machine, fanned out (auto): one platform job per platform, then the index job.
 * Both are one 2-core machine, so the ratio is the fan-out's overhead, not its gain. The gain with N native machines
 * is modelled from the per-platform times the logs report: each platform built natively takes about what amd64
 * takes here (the same code on a native CPU), so the fanned-out build would take the slowest native platform plus
 * the index job, against the emulated build measured.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureBusyboxBase } from '../../test/support/busybox-base.js';
import { freePort } from '../../test/support/free-port.js';
import { startOpenRegistry } from '../../test/support/registry.js';
import { initDockerfileRepo } from '../../test/support/runnable-pipeline.js';
import { startCli, startServerProcess, type CliProcess } from '../../test/support/server-process.js';

const RUNS = Number(process.env.RUNS ?? 3);
const P = '/workspaces/acme/projects/site/pipelines';
const PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6'];
const LOOP = 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done';

const work = mkdtempSync(join(tmpdir(), 'archway-bench-overhead-'));
const registry = await startOpenRegistry(join(work, 'registry'));
const repo = join(work, 'repo');
initDockerfileRepo(repo, `FROM ${await ensureBusyboxBase(registry.host)}\nARG RUN_ID\nRUN ${LOOP}; echo $RUN_ID\n`);

interface Figures {
  wall: number[];
  platform: Map<string, number[]>;
  index: number[];
}

async function measure(mode: 'off' | 'auto', agentCount: number): Promise<Figures> {
  const server = await startServerProcess({
    port: await freePort(),
    dataDir: join(work, `server-${mode}`),
    repoRoot: work,
    env: {
      ARCHWAY_BUILTIN_AGENT: '0',
      ARCHWAY_BUILTIN_REGISTRY: '0',
      ARCHWAY_GIT_POLL_SECONDS: '0',
      ARCHWAY_FANOUT: mode,
      ARCHWAY_INSECURE_REGISTRIES: registry.host,
    },
    logFile: join(work, `server-${mode}.log`),
  });
  const agents: CliProcess[] = [];
  try {
    for (let a = 0; a < agentCount; a++) {
      const token = (await server.call('POST', '/agent/v1/agents', { name: `agent-${a}` })).body.token as string;
      agents.push(
        startCli(
          ['agent', '--server', server.url],
          {
            ARCHWAY_AGENT_TOKEN: token,
            ARCHWAY_DATA_DIR: join(work, `agent-${mode}-${a}`),
            ARCHWAY_INSECURE_REGISTRIES: registry.host,
          },
          join(work, `agent-${mode}-${a}.log`),
        ),
      );
    }
    for (let known = 0; known < agentCount; await sleep(200)) {
      const listed = (await server.call('GET', '/agent/v1/agents')).body.agents as Array<{ known: boolean }>;
      known = listed.filter((a) => a.known).length;
    }
    await server.call('POST', '/workspaces', { domain: 'acme', name: 'Acme' });
    await server.call('POST', '/workspaces/acme/projects', { display_name: 'Site', custom_repo_url: repo });
    const pipeline = (await server.call('POST', P, { name: 'bench' })).body.id as number;
    await server.call('POST', `${P}/${pipeline}/actions`, {
      type: 'DOCKER_BUILD_MULTI_ARCH',
      name: 'build',
      repository: `${registry.host}/bench/${mode}`,
      target_platform: PLATFORMS.join(','),
      build_args: ['RUN_ID=$BUDDY_EXECUTION_ID'],
    });
    const figures: Figures = { wall: [], platform: new Map(), index: [] };
    for (let i = 0; i < RUNS + 1; i++) {
      const id = (await server.call('POST', `${P}/${pipeline}/executions`, {})).body.id as number;
      let e: any;
      for (;;) {
        e = (await server.call('GET', `${P}/${pipeline}/executions/${id}`)).body;
        if (['SUCCESSFUL', 'FAILED', 'TERMINATED'].includes(e.status)) break;
        await sleep(200);
      }
      if (e.status !== 'SUCCESSFUL') throw new Error(`run ${id} ${e.status}: ${e.error_message ?? ''}`);
      if (i === 0) continue; // the first run warms the base image into each agent's stores
      figures.wall.push(Date.parse(e.finish_date) - Date.parse(e.start_date));
      const ae = e.action_executions[0].action_execution_id;
      const log = (await server.call('GET', `${P}/${pipeline}/executions/${id}/action_executions/${ae}?limit=5000`))
        .body.log as string[];
      for (const line of log) {
        const m = /^\[(linux\/[a-z0-9/]+)\] sha256:\S+(?: \([^)]*\))? in ([\d.]+) s/.exec(line);
        if (m) figures.platform.set(m[1]!, [...(figures.platform.get(m[1]!) ?? []), Number(m[2]) * 1000]);
        const index = /^Image index \S+ pushed as .* in ([\d.]+) s$/.exec(line);
        if (index && mode === 'auto') figures.index.push(Number(index[1]) * 1000);
      }
    }
    return figures;
  } finally {
    for (const agent of agents) await agent.stop();
    await server.stop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
try {
  const single = await measure('off', 1);
  const fanned = await measure('auto', 2);
  console.log(`4-platform build, CPU-bound RUN (${LOOP}), median of ${RUNS}:`);
  console.log(`  one agent, one job (ARCHWAY_FANOUT=off)     ${s(median(single.wall))}`);
  console.log(`  two agents, fanned out (auto)               ${s(median(fanned.wall))}`);
  console.log(
    `  ratio fanned / single on this one machine   ${(median(fanned.wall) / median(single.wall)).toFixed(2)}`,
  );
  console.log(`  index job (push and verify, from its log)   ${s(median(fanned.index))}`);
  console.log('  per platform (fanned, from the log):');
  for (const p of PLATFORMS) console.log(`    ${p.padEnd(14)} ${s(median(fanned.platform.get(p) ?? []))}`);
  const native = median(fanned.platform.get('linux/amd64') ?? []);
  const modelled = native + median(fanned.index);
  console.log(
    `  modelled, 4 native machines: slowest native platform (~amd64 here) + index = ${s(modelled)}, ` +
      `${(median(single.wall) / modelled).toFixed(1)}x faster than one emulating box`,
  );
} finally {
  await registry.stop();
  rmSync(work, { recursive: true, force: true });
}
