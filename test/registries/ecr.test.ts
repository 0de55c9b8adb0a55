import { afterEach, describe, expect, it } from 'vitest';
import {
  RegistryConfigError,
  RegistryCredentialsError,
  resolveRegistryTarget,
  type RegistryInput,
  type ResolveOptions,
} from '../../src/push-targets/index.js';
import { startEcrStandIn, type EcrStandIn, type EcrStandInOptions } from './stand-ins.js';

const KEY = { accessKeyId: 'AKIAARCHWAYTEST00001', secretAccessKey: 'archway/test+secret/key0000000000000000' };
const ROLE = {
  arn: 'arn:aws:iam::210987654321:role/pusher',
  externalId: 'ext-42',
  accessKeyId: 'ASIAARCHWAYROLE00001',
  secretAccessKey: 'role/secret+key00000000000000000000000',
  sessionToken: 'FwoGZXIvYXdzEBYaDtestsessiontoken',
};
const stopping: EcrStandIn[] = [];
afterEach(async () => {
  await Promise.all(stopping.splice(0).map((s) => s.close()));
});

async function standIn(opts: Partial<EcrStandInOptions> = {}): Promise<EcrStandIn> {
  const s = await startEcrStandIn({ ...KEY, ...opts });
  stopping.push(s);
  return s;
}

function ecrInput(
  over: Partial<RegistryInput> = {},
  integration: Partial<NonNullable<RegistryInput['integration']>> = {},
): RegistryInput {
  return {
    dockerRegistry: 'AMAZON_ECR',
    registry: null,
    repository: 'team/app',
    region: 'us-east-1',
    integration: { type: 'AMAZON', label: 'aws-main', ...KEY, ...integration },
    ...over,
  };
}

function expectNoSecret(err: unknown): void {
  const text = `${(err as Error).message} ${JSON.stringify(err)}`;
  for (const secret of [KEY.secretAccessKey, ROLE.secretAccessKey, ROLE.sessionToken])
    expect(text).not.toContain(secret);
}

describe('AMAZON_ECR through the AWS SDK against a local ECR stand-in', () => {
  it('fetches a SigV4-signed authorization token, decodes AWS:<password> and takes the account from proxyEndpoint', async () => {
    const s = await standIn({ registryPassword: 'chosen-by-the-test', account: '123456789012', region: 'eu-west-1' });
    const target = await resolveRegistryTarget(ecrInput({ region: 'eu-west-1' }), { awsEndpoint: s.url });
    expect(target.host).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com');
    expect(target.repositoryPath).toBe('team/app');
    const token = await target.credentials!.get();
    expect(token).toMatchObject({ username: 'AWS', password: 'chosen-by-the-test' });
    expect(token.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 11 * 3600_000);
    expect(s.calls).toHaveLength(1);
    expect(s.calls[0]).toMatchObject({
      operation: 'GetAuthorizationToken',
      accessKeyId: KEY.accessKeyId,
      region: 'eu-west-1',
      service: 'ecr',
      sessionToken: null,
    });
    expect(s.rejected).toEqual([]);
  });

  it('takes the host from "registry" without asking AWS first, and reads the endpoint from ARCHWAY_AWS_ENDPOINT', async () => {
    const s = await standIn();
    const opts: ResolveOptions = { env: { ARCHWAY_AWS_ENDPOINT: s.url } };
    const target = await resolveRegistryTarget(
      ecrInput({ registry: '999988887777.dkr.ecr.us-east-1.amazonaws.com' }),
      opts,
    );
    expect(target.host).toBe('999988887777.dkr.ecr.us-east-1.amazonaws.com');
    expect(s.calls).toHaveLength(0);
    await target.credentials!.get();
    expect(s.calls.map((c) => c.operation)).toEqual(['GetAuthorizationToken']);
  });

  it('pushes to the host of proxyEndpoint when it is not an ECR host (a local registry behind the stand-in)', async () => {
    const s = await standIn({ proxyEndpoint: 'http://127.0.0.1:5999', registryPassword: 'htpasswd-password' });
    const target = await resolveRegistryTarget(ecrInput(), { awsEndpoint: s.url });
    expect([target.host, target.repositoryPath]).toEqual(['127.0.0.1:5999', 'team/app']);
    expect(await target.credentials!.get()).toMatchObject({ username: 'AWS', password: 'htpasswd-password' });
    expect(await target.ensureRepository!()).toBe('created');
    expect(s.calls[2]!.input).toEqual({ repositoryName: 'team/app' });
  });

  it('keeps the token until 5 minutes before it expires, then fetches a new one', async () => {
    const s = await standIn({ tokenLifetimeSeconds: 20 * 60, registryPassword: (n) => `password-${n}` });
    let now = Date.now();
    const target = await resolveRegistryTarget(ecrInput(), { awsEndpoint: s.url, clock: () => now });
    expect((await target.credentials!.get()).password).toBe('password-0');
    now += 14 * 60_000;
    expect((await target.credentials!.get()).password).toBe('password-0');
    now += 2 * 60_000;
    expect((await target.credentials!.get()).password).toBe('password-1');
    expect(s.calls.filter((c) => c.operation === 'GetAuthorizationToken')).toHaveLength(2);
  });

  it("assumes the integration's role first and uses its session credentials for ECR", async () => {
    const s = await standIn({ roles: [ROLE], ecrCallers: [ROLE.accessKeyId], account: '210987654321' });
    const roles = [{ arn: ROLE.arn, externalId: ROLE.externalId, durationSeconds: 900 }];
    const target = await resolveRegistryTarget(ecrInput({}, { roleAssumptions: roles }), { awsEndpoint: s.url });
    expect(target.host).toBe('210987654321.dkr.ecr.us-east-1.amazonaws.com');
    expect(s.calls.map((c) => [c.operation, c.accessKeyId, c.service])).toEqual([
      ['AssumeRole', KEY.accessKeyId, 'sts'],
      ['GetAuthorizationToken', ROLE.accessKeyId, 'ecr'],
    ]);
    expect(s.calls[0]!.input).toMatchObject({ RoleArn: ROLE.arn, ExternalId: 'ext-42', DurationSeconds: '900' });
    expect(s.calls[1]!.sessionToken).toBe(ROLE.sessionToken);
  });

  it('creates the repository when DescribeRepositories says it is missing, and leaves an existing one alone', async () => {
    const s = await standIn({ repositories: ['team/existing'] });
    const target = await resolveRegistryTarget(ecrInput({ registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com' }), {
      awsEndpoint: s.url,
    });
    expect(await target.ensureRepository!()).toBe('created');
    expect(s.repositories.has('team/app')).toBe(true);
    expect(await target.ensureRepository!()).toBe('existing');
    const existing = await resolveRegistryTarget(ecrInput({ repository: 'team/existing', registry: '123456789012' }), {
      awsEndpoint: s.url,
    });
    expect(await existing.ensureRepository!()).toBe('existing');
    expect(s.calls.map((c) => c.operation)).toEqual([
      'DescribeRepositories',
      'CreateRepository',
      'DescribeRepositories',
      'DescribeRepositories',
    ]);
    expect(s.calls[1]!.input).toMatchObject({ repositoryName: 'team/app', registryId: '123456789012' });
  });
});

describe('AMAZON_ECR failures', () => {
  it('says AWS rejected the access key when the key id is unknown', async () => {
    const s = await standIn();
    const err = await resolveRegistryTarget(ecrInput({}, { accessKeyId: 'AKIAUNKNOWN000000000' }), {
      awsEndpoint: s.url,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryCredentialsError);
    expect((err as RegistryCredentialsError).reason).toBe('AUTH_FAILED');
    expect((err as Error).message).toMatch(/^AWS rejected the integration's access key \(the access key id is unknown/);
    expect(s.rejected).toEqual([{ why: 'unknown-key', accessKeyId: 'AKIAUNKNOWN000000000' }]);
  });

  it('says the secret key does not match when the signature is wrong, without quoting the secret', async () => {
    const s = await standIn();
    const wrong = 'wrong/secret+key000000000000000000000000';
    const err = await resolveRegistryTarget(ecrInput({}, { secretAccessKey: wrong }), { awsEndpoint: s.url }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(
      /^AWS rejected the integration's access key \(the request signature does not match: wrong secret key\)/,
    );
    expect((err as Error).message).not.toContain(wrong);
    expect(s.rejected).toEqual([{ why: 'bad-signature', accessKeyId: KEY.accessKeyId }]);
    expectNoSecret(err);
  });

  it('names the role when AssumeRole is refused (wrong external id)', async () => {
    const s = await standIn({ roles: [ROLE] });
    const roles = [{ arn: ROLE.arn, externalId: 'not-it' }];
    const err = await resolveRegistryTarget(ecrInput({}, { roleAssumptions: roles }), { awsEndpoint: s.url }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toContain(
      `AWS did not let the integration assume role ${ROLE.arn}: check the role's trust policy and the external id`,
    );
    expectNoSecret(err);
  });

  it('says which permission is missing when the repository may not be created', async () => {
    const s = await standIn({ canCreateRepositories: false });
    const target = await resolveRegistryTarget(ecrInput({ registry: '123456789012' }), { awsEndpoint: s.url });
    const err = await target.ensureRepository!().catch((e: unknown) => e);
    expect((err as RegistryCredentialsError).reason).toBe('PUSH_DENIED');
    expect((err as Error).message).toMatch(
      /^AWS denied ecr:CreateRepository to the integration in us-east-1: allow "ecr:CreateRepository" in its IAM policy, or create the ECR repository "team\/app" in us-east-1 yourself/,
    );
  });

  it('says the endpoint is unreachable when nothing listens there', async () => {
    const s = await standIn();
    await s.close();
    const err = await resolveRegistryTarget(ecrInput(), { awsEndpoint: s.url }).catch((e: unknown) => e);
    expect((err as RegistryCredentialsError).reason).toBe('REGISTRY_UNREACHABLE');
    expect((err as Error).message).toContain(
      `Could not reach AWS ECR at ${s.url} (ARCHWAY_AWS_ENDPOINT): ECONNREFUSED`,
    );
  });

  it('rejects fields that cannot describe an ECR push before calling AWS', async () => {
    const bad: Array<[Partial<RegistryInput>, RegExp]> = [
      [{ region: null }, /"region" is required for AMAZON_ECR/],
      [{ region: 'mars-1' }, /"region" "mars-1" is not an AWS region name/],
      [{ registry: 'registry.example.com' }, /is not an Amazon ECR host/],
      [
        { registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com' },
        /"region" is us-east-1 but the ECR host is in eu-west-1/,
      ],
      [
        { integration: { type: 'DOCKER_HUB', username: 'u', password: 'p' } },
        /needs an AMAZON integration, but the action's integration is of type DOCKER_HUB/,
      ],
      [{ integration: null }, /AMAZON_ECR needs an AMAZON integration: set "integration_hash"/],
    ];
    for (const [over, message] of bad) {
      const err = await resolveRegistryTarget(ecrInput(over), { awsEndpoint: 'http://127.0.0.1:9' }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(RegistryConfigError);
      expect((err as Error).message).toMatch(message);
    }
  });
});
