import { rm } from 'node:fs/promises';
import { machine } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createEngineBuildRunner } from '../agent/engine-build.js';
import { resolveRegistryTarget } from '../push-targets/index.js';
import { createAgentClient } from '../agent/http-client.js';
import { createJobWork } from '../agent/job-work.js';
import { createAgentRunner, type RunnerLog } from '../agent/runner.js';
import { loadConfig, type Config } from '../config/config.js';
import { forgetServerSecrets } from '../process/child.js';
import { createBuildahEngine } from '../engine/buildah/buildah-engine.js';
import { createGitWorkTrees } from '../git/index.js';
import { createLogger } from '../log/logger.js';
import { platformOfMachine, platformReport, type PlatformReport } from '../domain/agent-platforms.js';
import type { Platform } from '../domain/platform.js';
import { checkForeignBinary, type ForeignBinaryOptions } from '../host/foreign-binary.js';
import type { QemuHandlerName } from '../host/binfmt.js';

/** The platforms each QEMU handler's foreign-binary check stands for (qemu-arm runs arm/v7 and arm/v6). */
const HANDLER_PLATFORMS: ReadonlyArray<{ handler: QemuHandlerName; platforms: readonly Platform[] }> = [
  { handler: 'qemu-aarch64', platforms: ['linux/arm64'] },
  { handler: 'qemu-arm', platforms: ['linux/arm/v7', 'linux/arm/v6'] },
];

/**
 * What this machine runs: its host platform from `uname -m`, the native set (`override` or the host's), and the
 * other platforms whose tiny foreign binary runs through binfmt (the check `archway doctor` makes). A handler
 * that serves the host's own platform is not tried.
 */
export async function detectPlatforms(
  override: readonly Platform[] | null,
  o: { machine?: string; check?: typeof checkForeignBinary; checkOptions?: ForeignBinaryOptions } = {},
): Promise<PlatformReport> {
  const host = platformOfMachine(o.machine ?? machine());
  const check = o.check ?? checkForeignBinary;
  const tried = HANDLER_PLATFORMS.filter((h) => host === null || !h.platforms.includes(host));
  const results = await Promise.all(tried.map((h) => check(h.handler, o.checkOptions)));
  const runs = tried.flatMap((h, i) => (results[i]!.ok ? h.platforms : []));
  return platformReport(host, override, runs);
}

/**
 * An agent wired with the real parts: git work trees, the buildah engine, all under `<data dir>/agent` and
 * `<data dir>/engine`. Used by `archway agent` and by `archway serve`'s built-in agent (over loopback HTTP).
 */
export async function startAgent(o: {
  config: Readonly<Config>;
  server: string;
  token: string;
  log: RunnerLog;
  /** What it reports at its hello; default: `detectPlatforms` with the config's ARCHWAY_AGENT_PLATFORMS. */
  platforms?: () => Promise<PlatformReport>;
}) {
  const engine = createBuildahEngine({
    dir: join(o.config.dataDir, 'engine'),
    access: { insecure: o.config.insecureRegistries, caDir: o.config.registryCaDir },
  });
  await engine.cleanup();
  await rm(join(o.config.dataDir, 'agent', 'jobs'), { recursive: true, force: true }); // work trees of a killed agent
  const work = createJobWork({
    trees: createGitWorkTrees({ mirrorsDir: join(o.config.dataDir, 'git') }),
    build: createEngineBuildRunner(engine, resolveRegistryTarget),
  });
  // Three heartbeats per lease (10 s for the default 30 s lease), so one lost request does not lose the job.
  const heartbeatMs = Math.min(10_000, (o.config.agentLeaseSeconds * 1000) / 3);
  const runner = createAgentRunner({
    client: createAgentClient({ server: o.server, token: o.token }),
    work,
    workDir: join(o.config.dataDir, 'agent', 'jobs'),
    log: o.log,
    heartbeatMs,
    platforms: o.platforms ?? (() => detectPlatforms(o.config.agentPlatforms)),
  });
  runner.start();
  return runner;
}

/** `archway agent --server URL --token TOKEN` (or ARCHWAY_AGENT_TOKEN, which keeps the token out of `ps`). */
export async function runAgentCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { server: { type: 'string' }, token: { type: 'string' } },
    strict: true,
  });
  const token = values.token ?? process.env.ARCHWAY_AGENT_TOKEN;
  if (!values.server || !token) {
    process.stderr.write(
      'usage: archway agent --server URL --token TOKEN   (or ARCHWAY_AGENT_TOKEN in the environment)\n',
    );
    return 2;
  }
  const config = loadConfig();
  forgetServerSecrets();
  const logger = createLogger({ level: config.logLevel });
  const runner = await startAgent({ config, server: values.server, token, log: logger });
  logger.info({ server: values.server }, 'agent started');
  await new Promise<void>((resolve) => {
    const stop = () => void runner.stop().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
