import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.js';
import { AppError } from '../domain/errors.js';
import { SCOPES } from '../domain/scopes.js';
import { openCore } from './compose.js';

const USAGE = `usage: archway token create [--name NAME] [--scopes A,B] [--workspace DOMAIN]... [--expires-in DAYS]

Prints a new token of the admin user, made straight in the store (for the first login or an agent host).
With ARCHWAY_TOKEN set, the new token is made as that token's caller instead, and may reach no further than it:
its scopes must be held by ARCHWAY_TOKEN, and a restricted ARCHWAY_TOKEN makes only tokens restricted to some of
its workspaces (--scopes then defaults to ARCHWAY_TOKEN's scopes).
`;

/** `archway token create`: a token straight from the store, or as the caller of ARCHWAY_TOKEN. */
export async function runTokenCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        name: { type: 'string', default: 'cli' },
        scopes: { type: 'string' },
        workspace: { type: 'string', multiple: true },
        'expires-in': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    process.stderr.write(`archway token: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { positionals, values } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals[0] !== 'create' || positionals.length > 1) {
    process.stderr.write(USAGE);
    return 2;
  }
  const { store, useCases } = await openCore(loadConfig(env));
  try {
    const caller = env.ARCHWAY_TOKEN ? await useCases.tokens.authenticate(env.ARCHWAY_TOKEN) : null;
    const input = {
      name: values.name,
      scopes: values.scopes ? values.scopes.split(',') : caller ? [...caller.token.scopes] : [...SCOPES],
      workspaceRestrictions: values.workspace ?? (caller ? [...caller.token.workspaceRestrictions] : undefined),
      expiresIn: values['expires-in'] ? Number(values['expires-in']) : null,
    };
    const { value } = caller ? await useCases.tokens.create(caller, input) : await useCases.tokens.issueForAdmin(input);
    process.stdout.write(`${value}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    process.stderr.write(`archway token: ${error.message}\n`);
    return 1;
  } finally {
    await store.close();
  }
}
