import { describe, expect, it } from 'vitest';
import { awsFailure } from './aws-errors.js';
import { maskSecrets as scrub } from '../domain/secret-masking.js';

describe('registry error scrubbing', () => {
  it('hides a URL-encoded secret in what a provider said', () => {
    const secret = 'wJalr/XUtn+FEMI=K7MDENG';
    const said = `signature for ${encodeURIComponent(secret)} and ${secret} rejected`;
    expect(scrub(said, [secret, null, undefined])).toBe('signature for *** and *** rejected');
    const err = awsFailure(Object.assign(new Error(said), { name: 'ServiceUnavailableException', $fault: 'server' }), {
      action: 'ecr:GetAuthorizationToken',
      region: 'xx-nowhere-1',
      endpoint: null,
      secrets: [secret],
      fallback: 'AUTH_FAILED',
    });
    expect(err.message).toContain('(AWS said ServiceUnavailableException: signature for *** and *** rejected)');
    expect(err.message).not.toContain(encodeURIComponent(secret));
  });
});
