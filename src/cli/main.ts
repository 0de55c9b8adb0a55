#!/usr/bin/env node
import { AppError } from '../domain/errors.js';
import { runDoctorCommand } from './doctor.js';
import { runAgentCommand } from './agent.js';
import { runBuildCommand } from './build.js';
import { runServeCommand } from './serve.js';
import { runTokenCommand } from './token.js';

const USAGE = `usage: archway <command>

  serve                 run the API server (and its built-in agent)
  agent --server URL    run an agent on this machine for a remote server (--token TOKEN or ARCHWAY_AGENT_TOKEN)
  build [flags]         one DOCKER_BUILD_MULTI_ARCH build from the command line, without a server
  doctor                check the build engine's prerequisites and say how to fix what is missing
  token create [flags]  create an access token (--name NAME --scopes A,B --workspace DOMAIN)
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return runServeCommand();
    case 'token':
      return runTokenCommand(rest);
    case 'doctor':
      return runDoctorCommand(rest);
    case 'agent':
      return runAgentCommand(rest);
    case 'build':
      return runBuildCommand(rest);
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`archway: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message =
      error instanceof AppError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    process.stderr.write(`archway: ${message}\n`);
    process.exit(1);
  },
);
