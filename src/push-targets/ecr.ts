import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { awsFailure, type AwsCall } from './aws-errors.js';
import { cachedCredentialSource } from './cached-source.js';
import { RegistryConfigError, RegistryCredentialsError } from './errors.js';
import { ecrHost, isAccountId, parseEcrHost, splitRepository, urlHost } from './names.js';
import type { RegistryInput, RegistryTarget, RegistryToken, ResolveOptions, RoleAssumption } from './types.js';

const REGION = /^[a-z]{2}(?:-[a-z]+)+-[0-9]+$/;

interface AwsKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

interface EcrPlacement {
  region: string;
  account: string | null;
  path: string;
}

/** Where the push goes, from `registry` (ECR host or account id), `repository` (optionally "ecr-host/path") and `region`. */
function ecrPlacement(input: RegistryInput): EcrPlacement {
  const split = splitRepository(input.repository);
  let fromHost = split.host ? parseEcrHost(split.host) : null;
  if (split.host && !fromHost) {
    throw new RegistryConfigError(
      `"repository" "${input.repository}" names the host ${split.host}, which is not an Amazon ECR host; write the repository name only, e.g. "team/app".`,
    );
  }
  if (input.registry) {
    const fromRegistry = isAccountId(input.registry)
      ? { account: input.registry, region: input.region ?? '' }
      : parseEcrHost(input.registry);
    if (!fromRegistry) {
      throw new RegistryConfigError(
        `"registry" "${input.registry}" is not an Amazon ECR host (ACCOUNT.dkr.ecr.REGION.amazonaws.com) or account id; leave it empty to push to the integration's own account.`,
      );
    }
    if (fromHost && fromHost.account !== fromRegistry.account) {
      throw new RegistryConfigError(
        `"registry" and "repository" name different AWS accounts (${fromRegistry.account} and ${fromHost.account}).`,
      );
    }
    fromHost = fromRegistry;
  }
  const region = input.region || fromHost?.region || '';
  if (!region) throw new RegistryConfigError('"region" is required for AMAZON_ECR, e.g. "us-east-1".');
  if (!REGION.test(region))
    throw new RegistryConfigError(`"region" "${region}" is not an AWS region name such as "us-east-1".`);
  if (fromHost?.region && fromHost.region !== region) {
    throw new RegistryConfigError(`"region" is ${region} but the ECR host is in ${fromHost.region}; make them agree.`);
  }
  return { region, account: fromHost?.account ?? null, path: split.path };
}

function amazonKeys(input: RegistryInput): AwsKeys {
  const i = input.integration;
  if (!i) throw new RegistryConfigError('AMAZON_ECR needs an AMAZON integration: set "integration_hash".');
  if (i.type !== 'AMAZON')
    throw new RegistryConfigError(
      `AMAZON_ECR needs an AMAZON integration, but the action's integration is of type ${i.type}.`,
    );
  if (!i.accessKeyId || !i.secretAccessKey) {
    throw new RegistryConfigError(
      `The AMAZON integration${i.label ? ` ${i.label}` : ''} has no access key and secret key; add them to the integration.`,
    );
  }
  return { accessKeyId: i.accessKeyId, secretAccessKey: i.secretAccessKey };
}

/** One place that knows the region, endpoint and keys, and makes short-lived SDK clients with them. */
class EcrSession {
  proxyEndpoint: string | null = null;
  private readonly secrets: string[];

  constructor(
    private readonly keys: AwsKeys,
    private readonly roles: readonly RoleAssumption[],
    private readonly region: string,
    private readonly endpoint: string | null,
    private readonly clock: () => number,
  ) {
    this.secrets = [keys.secretAccessKey];
  }

  private config(credentials: AwsKeys) {
    return {
      region: this.region,
      credentials,
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 30_000 },
      ...(this.endpoint ? { endpoint: this.endpoint } : {}),
    };
  }

  private call(action: string, extra: Partial<AwsCall> = {}): AwsCall {
    return {
      action,
      region: this.region,
      endpoint: this.endpoint,
      secrets: this.secrets,
      fallback: 'AUTH_FAILED',
      ...extra,
    };
  }

  /** The integration's keys, or the credentials of the last role in its role-assumption chain. */
  private async identity(): Promise<AwsKeys> {
    let keys = this.keys;
    this.secrets.length = 1;
    for (const role of this.roles) {
      const sts = new STSClient(this.config(keys));
      try {
        const out = await sts.send(
          new AssumeRoleCommand({
            RoleArn: role.arn,
            RoleSessionName: `archway-${this.clock()}`,
            ExternalId: role.externalId || undefined,
            DurationSeconds: role.durationSeconds || undefined,
          }),
        );
        const c = out.Credentials;
        // An answer without keys is worded like any AWS failure ("AWS refused sts:AssumeRole … (AWS said Error: …)").
        if (!c?.AccessKeyId || !c.SecretAccessKey)
          throw awsFailure(
            { name: 'Error', message: 'AssumeRole returned no credentials' },
            this.call('sts:AssumeRole', { roleArn: role.arn }),
          );
        keys = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
        this.secrets.push(c.SecretAccessKey, c.SessionToken ?? '');
      } catch (err) {
        throw err instanceof RegistryCredentialsError
          ? err
          : awsFailure(err, this.call('sts:AssumeRole', { roleArn: role.arn }));
      } finally {
        sts.destroy();
      }
    }
    return keys;
  }

  private async withEcr<T>(
    action: string,
    run: (ecr: ECRClient) => Promise<T>,
    extra: Partial<AwsCall> = {},
  ): Promise<T> {
    const ecr = new ECRClient(this.config(await this.identity()));
    try {
      return await run(ecr);
    } catch (err) {
      throw awsFailure(err, this.call(action, extra));
    } finally {
      ecr.destroy();
    }
  }

  /** GetAuthorizationToken for the region; the token decodes to "AWS:<password>". */
  async fetchToken(): Promise<RegistryToken> {
    const out = await this.withEcr('ecr:GetAuthorizationToken', (ecr) =>
      ecr.send(new GetAuthorizationTokenCommand({})),
    );
    const data = out.authorizationData?.[0];
    const decoded = Buffer.from(data?.authorizationToken ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (!data || colon <= 0) {
      throw new RegistryCredentialsError(
        'AUTH_FAILED',
        `Amazon ECR in ${this.region} answered GetAuthorizationToken without a usable token; try again, and check the AWS endpoint if one is configured.`,
      );
    }
    this.proxyEndpoint = data.proxyEndpoint ?? null;
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), expiresAt: data.expiresAt ?? null };
  }

  /** DescribeRepositories, then CreateRepository when ECR says RepositoryNotFoundException. */
  async ensureRepository(path: string, account: string | null): Promise<'existing' | 'created'> {
    const registryId = account ?? undefined;
    const missing = await this.withEcr(
      'ecr:DescribeRepositories',
      async (ecr) => {
        try {
          await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [path], registryId }));
          return false;
        } catch (err) {
          if ((err as Error).name === 'RepositoryNotFoundException') return true;
          throw err;
        }
      },
      { repository: path, fallback: 'PUSH_DENIED' },
    );
    if (!missing) return 'existing';
    return this.withEcr(
      'ecr:CreateRepository',
      async (ecr) => {
        try {
          await ecr.send(new CreateRepositoryCommand({ repositoryName: path, registryId }));
          return 'created' as const;
        } catch (err) {
          if ((err as Error).name === 'RepositoryAlreadyExistsException') return 'existing' as const;
          throw err;
        }
      },
      { repository: path, fallback: 'PUSH_DENIED' },
    );
  }
}

/** The AWS endpoint to use instead of AWS's own: the option when given (null = AWS's), else env ARCHWAY_AWS_ENDPOINT. Never throws. */
export function awsEndpointOf(opts: ResolveOptions): string | null {
  if (opts.awsEndpoint !== undefined) return opts.awsEndpoint;
  return (opts.env ?? process.env).ARCHWAY_AWS_ENDPOINT || null;
}

/**
 * Amazon ECR: host "<account>.dkr.ecr.<region>.amazonaws.com", credentials "AWS" + the password decoded from
 * GetAuthorizationToken (after the integration's role assumptions, if any), refreshed 5 minutes before they expire.
 * The account comes from `registry` (an ECR host or account id), else from `repository`'s host, else from the token's
 * proxyEndpoint (then the token is fetched here, so bad keys fail now). `ensureRepository()` creates a missing
 * repository. Throws RegistryConfigError for unusable fields and RegistryCredentialsError when AWS refuses.
 */
export async function ecrTarget(input: RegistryInput, opts: ResolveOptions = {}): Promise<RegistryTarget> {
  const keys = amazonKeys(input);
  const place = ecrPlacement(input);
  const clock = opts.clock ?? Date.now;
  const session = new EcrSession(
    keys,
    input.integration?.roleAssumptions ?? [],
    place.region,
    awsEndpointOf(opts),
    clock,
  );
  const credentials = cachedCredentialSource(() => session.fetchToken(), { clock, marginMs: opts.refreshMarginMs });
  let host = place.account ? ecrHost(place.account, place.region) : null;
  let account = place.account;
  if (!host) {
    await credentials.get();
    host = session.proxyEndpoint ? urlHost(session.proxyEndpoint) : null;
    if (!host)
      throw new RegistryCredentialsError(
        'AUTH_FAILED',
        `Amazon ECR in ${place.region} did not say which registry the token is for; set "registry" to ACCOUNT.dkr.ecr.${place.region}.amazonaws.com.`,
      );
    account = parseEcrHost(host)?.account ?? null;
  }
  return {
    host,
    repositoryPath: place.path,
    credentials,
    notes: [],
    ensureRepository: () => session.ensureRepository(place.path, account),
  };
}
