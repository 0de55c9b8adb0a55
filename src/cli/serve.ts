import { loadConfig } from '../config/config.js';
import { forgetServerSecrets } from '../process/child.js';
import { createLogger } from '../log/logger.js';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { allRequiredPassed, repairBinfmt, runHostChecks } from '../host/index.js';
import { createServer, startBuiltInAgent } from './compose.js';

/**
 * The engine's prerequisites at start-up, as `archway doctor` checks them. Lost QEMU handlers (a reboot or an
 * unmounted binfmt_misc drops them) are registered again; what stays broken is logged with its fix, and the
 * API starts anyway (builds then fail with the engine's own message).
 */
async function checkBuildHost(dataDir: string, logger: Logger): Promise<void> {
  for (const step of await repairBinfmt().catch(() => []))
    logger.warn({ command: step.command, ok: step.ok }, `binfmt repair: ${step.detail}`);
  const checks = await runHostChecks(join(dataDir, 'engine'));
  for (const c of checks) if (c.level !== 'ok') logger.warn({ check: c.name, fix: c.fix }, c.detail);
  if (!allRequiredPassed(checks)) logger.error('the build engine is not ready: run `archway doctor` for the fixes');
}

/** `archway serve`: the API server on its embedded default (SQLite in ARCHWAY_DATA_DIR). */
export async function runServeCommand(): Promise<number> {
  const config = loadConfig();
  forgetServerSecrets();
  const logger = createLogger({ level: config.logLevel });
  const { app, core, createdToken, registry } = await createServer(config, logger);
  if (registry) {
    logger.info(
      { host: registry.host, user: 'archway', passwordFile: join(config.dataDir, 'registry', 'password') },
      `built-in registry at ${registry.host}: actions with a bare "repository" push here`,
    );
  }
  if (createdToken) {
    // Printed once, on purpose not through the (redacting) logger: this is the only time it can be seen.
    process.stdout.write(
      `\nArchway created an admin token (shown only now; it is stored hashed):\n\n  ${createdToken}\n\n`,
    );
  }
  const listening = await app.listen({ port: config.port, host: config.host });
  if (config.builtInAgent) await checkBuildHost(config.dataDir, logger);
  const stopAgent = config.builtInAgent
    ? await startBuiltInAgent(config, core, listening, logger)
    : async () => undefined;
  let closing = false;
  const stop = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    await stopAgent();
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  return new Promise<number>(() => {});
}
