import { describe, expect, it } from 'vitest';
import { RegistryConfigError, resolveRegistryTarget, type RegistryInput } from '../../src/push-targets/index.js';

function input(over: Partial<RegistryInput>): RegistryInput {
  return { dockerRegistry: null, registry: null, repository: 'team/app', region: null, ...over };
}

async function failure(i: RegistryInput): Promise<Error> {
  const err = await resolveRegistryTarget(i).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RegistryConfigError);
  return err as Error;
}

describe('private registry (docker_registry OTHER or absent)', () => {
  it('takes the host from "registry", else from the repository, with login/password', async () => {
    const a = await resolveRegistryTarget(input({ registry: '127.0.0.1:5000', login: 'ci', password: 'pw' }));
    expect(a).toMatchObject({ host: '127.0.0.1:5000', repositoryPath: 'team/app', notes: [] });
    expect(await a.credentials!.get()).toEqual({ username: 'ci', password: 'pw', expiresAt: null });
    const b = await resolveRegistryTarget(
      input({ dockerRegistry: 'OTHER', repository: 'registry.example.com:5000/team/app' }),
    );
    expect(b).toMatchObject({ host: 'registry.example.com:5000', repositoryPath: 'team/app', credentials: null });
    const c = await resolveRegistryTarget(
      input({ registry: 'registry.example.com', repository: 'registry.example.com/x/y' }),
    );
    expect(c.repositoryPath).toBe('x/y');
  });

  it('asks for a host when neither field names one', async () => {
    expect((await failure(input({}))).message).toBe(
      '"repository" "team/app" names no registry host; set "registry" (host[:port]) or write it as "host/path".',
    );
  });
});

describe('Docker Hub', () => {
  const hub = { type: 'DOCKER_HUB' as const, username: 'Octo-Cat', password: 'hub-token' };

  it("pushes to docker.io with the integration's credentials, expanding a bare name into the user's namespace", async () => {
    const t = await resolveRegistryTarget(input({ dockerRegistry: 'DOCKER_HUB', repository: 'app', integration: hub }));
    expect(t).toMatchObject({ host: 'docker.io', repositoryPath: 'octo-cat/app' });
    expect(t.notes).toEqual([
      'Docker Hub takes pushes only into a namespace: pushing "app" as "docker.io/octo-cat/app" (the integration\'s user).',
    ]);
    expect(await t.credentials!.get()).toEqual({ username: 'Octo-Cat', password: 'hub-token', expiresAt: null });
  });

  it('accepts docker.io spellings in the repository and login/password instead of an integration', async () => {
    for (const repository of [
      'docker.io/acme/app',
      'index.docker.io/acme/app',
      'registry-1.docker.io/acme/app',
      'acme/app',
    ]) {
      const t = await resolveRegistryTarget(
        input({ dockerRegistry: 'DOCKER_HUB', repository, login: 'acme', password: 'x' }),
      );
      expect([t.host, t.repositoryPath, t.notes]).toEqual(['docker.io', 'acme/app', []]);
    }
  });

  it('refuses other hosts, missing credentials and an unusable namespace', async () => {
    expect(
      (await failure(input({ dockerRegistry: 'DOCKER_HUB', registry: 'ghcr.io', integration: hub }))).message,
    ).toMatch(/"registry" "ghcr.io" is not Docker Hub/);
    expect(
      (await failure(input({ dockerRegistry: 'DOCKER_HUB', repository: 'quay.io/a/b', integration: hub }))).message,
    ).toMatch(/names the host quay.io, not Docker Hub/);
    expect((await failure(input({ dockerRegistry: 'DOCKER_HUB' }))).message).toMatch(
      /^Pushing to Docker Hub needs credentials/,
    );
    const email = { ...hub, username: 'me@example.com' };
    expect(
      (await failure(input({ dockerRegistry: 'DOCKER_HUB', repository: 'app', integration: email }))).message,
    ).toBe('Docker Hub needs a namespace to push "app" into: write "repository" as "namespace/app".');
  });
});

describe('kinds without a target', () => {
  it('explains NONE and kinds not supported yet, and a missing repository', async () => {
    expect((await failure(input({ dockerRegistry: 'NONE' }))).message).toMatch(/pushes nowhere/);
    expect((await failure(input({ dockerRegistry: 'GIT_HUB_CONTAINER_REGISTRY' }))).message).toMatch(
      /^Pushing to GIT_HUB_CONTAINER_REGISTRY is not supported yet; use "docker_registry" OTHER/,
    );
    expect((await failure(input({ repository: '' }))).message).toMatch(/"repository" is required/);
  });
});
