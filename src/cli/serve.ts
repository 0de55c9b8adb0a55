import { loadConfig } from '../config/config.js';
import { createLogger } from '../log/logger.js';
import { createServer, startBuiltInAgent } from './compose.js';

/** `archway serve`: the API server on its embedded default (SQLite in ARCHWAY_DATA_DIR). */
export async function runServeCommand(): Promise<number> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });
  const { app, core, createdToken } = await createServer(config, logger);
  if (createdToken) {
    // Printed once, on purpose not through the (redacting) logger: this is the only time it can be seen.
    process.stdout.write(`\nArchway created an admin token (shown only now; it is stored hashed):\n\n  ${createdToken}\n\n`);
  }
  const listening = await app.listen({ port: config.port, host: config.host });
  const stopAgent = config.builtInAgent ? await startBuiltInAgent(config, core, listening, logger) : async () => undefined;
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
