import { rm } from 'node:fs/promises';
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

/**
 * An agent wired with the real parts: git work trees, the buildah engine, all under `<data dir>/agent` and
 * `<data dir>/engine`. Used by `archway agent` and by `archway serve`'s built-in agent (over loopback HTTP).
 */
export async function startAgent(o: { config: Readonly<Config>; server: string; token: string; log: RunnerLog }) {
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
