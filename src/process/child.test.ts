import { afterEach, describe, expect, it } from 'vitest';
import { forgetServerSecrets, inheritedEnv, runChild } from './child.js';

const SECRETS = ['ARCHWAY_SECRET_KEY', 'ARCHWAY_BOOTSTRAP_TOKEN', 'ARCHWAY_AGENT_TOKEN', 'ARCHWAY_DATABASE_URL'];

describe("the server's secrets and child processes", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of [...SECRETS, 'ARCHWAY_PORT', 'TEST_DATABASE_URL']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  it('inheritedEnv keeps everything but the secrets', () => {
    for (const key of SECRETS) process.env[key] = `value-of-${key}`;
    process.env.ARCHWAY_PORT = '8080';
    const env = inheritedEnv();
    for (const key of SECRETS) expect(env[key]).toBeUndefined();
    expect(env.ARCHWAY_PORT).toBe('8080');
    expect(env.PATH).toBe(process.env.PATH);
  });

  it('after forgetServerSecrets a child spawned with the whole environment (as esbuild does) sees none of them', async () => {
    for (const key of SECRETS) process.env[key] = `value-of-${key}`;
    process.env.ARCHWAY_PORT = '8080';
    forgetServerSecrets();
    for (const key of SECRETS) expect(process.env[key]).toBeUndefined();
    const { stdout } = await runChild(['env'], { env: process.env });
    expect(stdout).not.toContain('value-of-');
    expect(stdout).toContain('ARCHWAY_PORT=8080');
  });
});
