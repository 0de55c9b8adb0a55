import { describe, expect, it } from 'vitest';
import { awsFailure, type AwsCall } from '../../src/push-targets/aws-errors.js';

const call: AwsCall = {
  action: 'ecr:GetAuthorizationToken',
  region: 'xx-nowhere-1',
  endpoint: null,
  secrets: ['s3cr3t-value'],
  fallback: 'AUTH_FAILED',
};

describe('awsFailure', () => {
  it("points at the region when AWS's regional endpoint does not resolve", () => {
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND api.ecr.xx-nowhere-1.amazonaws.com'), {
      code: 'ENOTFOUND',
      hostname: 'api.ecr.xx-nowhere-1.amazonaws.com',
    });
    const err = awsFailure(dns, call);
    expect(err.reason).toBe('REGISTRY_UNREACHABLE');
    expect(err.message).toBe(
      'Could not reach AWS ECR in region "xx-nowhere-1" (api.ecr.xx-nowhere-1.amazonaws.com does not resolve): check that "region" is an AWS region where ECR is offered, e.g. "us-east-1", and that this machine can reach AWS.',
    );
  });

  it('scrubs secrets from what AWS said and reports server faults as retryable', () => {
    const odd = Object.assign(new Error('echo s3cr3t-value'), {
      name: 'ServiceUnavailableException',
      $fault: 'server' as const,
    });
    const err = awsFailure(odd, call);
    expect(err.reason).toBe('REGISTRY_UNREACHABLE');
    expect(err.message).toBe(
      'AWS failed to answer ecr:GetAuthorizationToken in xx-nowhere-1; try again later (AWS said ServiceUnavailableException: echo ***).',
    );
  });
});
