import { maskSecrets } from '../domain/secret-masking.js';
import { RegistryCredentialsError, type RegistryFailure } from './errors.js';

/** What was being done when an AWS call failed, to word the sentence (and the secrets to keep out of it). */
export interface AwsCall {
  /** The IAM action, e.g. "ecr:GetAuthorizationToken" or "sts:AssumeRole". */
  action: string;
  region: string;
  endpoint: string | null;
  secrets: ReadonlyArray<string | null | undefined>;
  /** The role being assumed (sts:AssumeRole only). */
  roleArn?: string;
  /** ECR repository concerned (repository calls only). */
  repository?: string;
  /** Reason for errors without a better one. */
  fallback: RegistryFailure;
}

const UNKNOWN_KEY = ['UnrecognizedClientException', 'InvalidClientTokenId'];
const BAD_SECRET = [
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'IncompleteSignatureException',
];
const EXPIRED = ['ExpiredTokenException', 'ExpiredToken', 'RequestExpired'];
const DENIED = ['AccessDeniedException', 'AccessDenied'];
const DNS = ['ENOTFOUND', 'EAI_AGAIN'];
const NETWORK = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'TimeoutError',
  'RequestTimeout',
];

interface AwsLikeError {
  name?: string;
  code?: string;
  message?: string;
  hostname?: string;
  $fault?: 'client' | 'server';
}

function denied(e: AwsLikeError, call: AwsCall, said: string): RegistryCredentialsError {
  if (call.action === 'sts:AssumeRole') {
    return new RegistryCredentialsError(
      'AUTH_FAILED',
      `AWS did not let the integration assume role ${call.roleArn ?? '(unknown)'}: check the role's trust policy and the external id (${said}).`,
      { cause: e },
    );
  }
  const hint =
    call.action === 'ecr:CreateRepository'
      ? `, or create the ECR repository "${call.repository ?? ''}" in ${call.region} yourself`
      : '';
  const reason = call.action === 'ecr:GetAuthorizationToken' ? 'AUTH_FAILED' : 'PUSH_DENIED';
  return new RegistryCredentialsError(
    reason,
    `AWS denied ${call.action} to the integration in ${call.region}: allow "${call.action}" in its IAM policy${hint} (${said}).`,
    { cause: e },
  );
}

function network(e: AwsLikeError, call: AwsCall, code: string): RegistryCredentialsError {
  const service = call.action.startsWith('sts:') ? 'STS' : 'ECR';
  if (DNS.includes(code) && !call.endpoint) {
    return new RegistryCredentialsError(
      'REGISTRY_UNREACHABLE',
      `Could not reach AWS ${service} in region "${call.region}" (${e.hostname ?? 'its endpoint'} does not resolve): check that "region" is an AWS region where ECR is offered, e.g. "us-east-1", and that this machine can reach AWS.`,
      { cause: e },
    );
  }
  const where = call.endpoint ? `at ${call.endpoint} (ARCHWAY_AWS_ENDPOINT)` : `in region "${call.region}"`;
  return new RegistryCredentialsError(
    'REGISTRY_UNREACHABLE',
    `Could not reach AWS ${service} ${where}: ${code}; check the network and try again.`,
    { cause: e },
  );
}

/**
 * Turns an error thrown by an AWS SDK client into a RegistryCredentialsError whose message says what to fix
 * (bad access key, bad secret key, denied permission, unknown region, unreachable endpoint); secrets are scrubbed
 * from anything AWS said. Never throws.
 */
export function awsFailure(err: unknown, call: AwsCall): RegistryCredentialsError {
  const e = (err ?? {}) as AwsLikeError;
  const name = e.name ?? '';
  const code = e.code ?? name;
  const said = maskSecrets(`AWS said ${name}${e.message ? `: ${e.message}` : ''}`, call.secrets);
  if (UNKNOWN_KEY.includes(name)) {
    return new RegistryCredentialsError(
      'AUTH_FAILED',
      `AWS rejected the integration's access key (the access key id is unknown to AWS, deleted or deactivated): check the AMAZON integration's access key (${said}).`,
      { cause: e },
    );
  }
  if (BAD_SECRET.includes(name)) {
    const region = /valid region/i.test(e.message ?? '') ? ` or the region "${call.region}"` : '';
    return new RegistryCredentialsError(
      'AUTH_FAILED',
      `AWS rejected the integration's access key (the request signature does not match: wrong secret key${region}): check the AMAZON integration's secret key (${said}).`,
      { cause: e },
    );
  }
  if (EXPIRED.includes(name)) {
    return new RegistryCredentialsError(
      'AUTH_FAILED',
      `AWS rejected the integration's credentials as expired: check the AMAZON integration's keys and this machine's clock (${said}).`,
      { cause: e },
    );
  }
  if (DENIED.includes(name)) return denied(e, call, said);
  if (DNS.includes(code) || NETWORK.includes(code)) return network(e, call, code);
  if (e.$fault === 'server') {
    return new RegistryCredentialsError(
      'REGISTRY_UNREACHABLE',
      `AWS failed to answer ${call.action} in ${call.region}; try again later (${said}).`,
      { cause: e },
    );
  }
  return new RegistryCredentialsError(call.fallback, `AWS refused ${call.action} in ${call.region} (${said}).`, {
    cause: e,
  });
}
