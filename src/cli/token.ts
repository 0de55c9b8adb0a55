import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.js';
import { SCOPES } from '../domain/scopes.js';
import { openCore } from './compose.js';

/** `archway token create`: a token straight from the store, for the first login or for an agent host. */
export async function runTokenCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string', default: 'cli' },
      scopes: { type: 'string' },
      workspace: { type: 'string', multiple: true },
      'expires-in': { type: 'string' },
    },
  });
  if (positionals[0] !== 'create') {
    process.stderr.write(
      'usage: archway token create [--name NAME] [--scopes A,B] [--workspace DOMAIN]... [--expires-in DAYS]\n',
    );
    return 2;
  }
  const { store, useCases } = await openCore(loadConfig());
  try {
    const { value } = await useCases.tokens.issueForAdmin({
      name: values.name,
      scopes: values.scopes ? values.scopes.split(',') : [...SCOPES],
      workspaceRestrictions: values.workspace,
      expiresIn: values['expires-in'] ? Number(values['expires-in']) : null,
    });
    process.stdout.write(`${value}\n`);
    return 0;
  } finally {
    await store.close();
  }
}
