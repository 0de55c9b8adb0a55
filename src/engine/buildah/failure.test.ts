import { describe, expect, it } from 'vitest';
import { buildFailure, registryCommandFailure, registryFailure } from './failure.js';
import { isCacheHit, isNoise, lastErrorLine, parseStepLine } from './output.js';

const ctx = {
  platform: 'linux/arm64',
  contextDir: '/data/jobs/1/src/docker',
  lastStep: { step: 3, steps: 5, instruction: 'RUN make', stage: 1 },
};

/** buildah 1.28's exit codes and Error: lines (engine-notes section 9) -> the sentence a user reads. */
describe('buildah failures', () => {
  it.each([
    [
      1,
      'building at STEP "RUN make": exit status 1',
      'RUN_FAILED',
      'RUN step failed on linux/arm64 at step 3/5 (RUN make) of stage 1 with exit code 1.',
    ],
    [7, 'building at STEP "RUN exit 7": while running runtime: exit status 7', 'RUN_FAILED', /exit code 7/],
    [
      125,
      'building at STEP "COPY nothere.txt /": checking on sources under "/data/jobs/1/src/docker": copier: stat: "/nothere.txt": no such file or directory',
      'COPY_SOURCE_MISSING',
      'COPY nothere.txt / failed on linux/arm64: "nothere.txt" is not in the build context.',
    ],
    [
      125,
      'The target "nosuch" was not found in the provided Dockerfile',
      'TARGET_NOT_FOUND',
      'The target stage "nosuch" is not in the Dockerfile.',
    ],
    [
      125,
      'building at STEP "RUNN ": Build error: Unknown instruction: "RUNN" &imagebuilder.Step{}',
      'DOCKERFILE_SYNTAX',
      /unknown instruction "RUNN"/,
    ],
    [
      125,
      'creating build container: initializing source docker://127.0.0.1:5999/x: pinging container registry 127.0.0.1:5999: Get "http://127.0.0.1:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused',
      'REGISTRY_UNREACHABLE',
      /registry 127\.0\.0\.1:5999 is unreachable/,
    ],
    [
      125,
      'reading manifest latest in 127.0.0.1:5001/library/busybox: unauthorized: authentication required',
      'AUTH_FAILED',
      /rejected the credentials/,
    ],
    [
      125,
      'pinging container registry r:5005: Get "https://r:5005/v2/": x509: certificate signed by unknown authority',
      'TLS_UNTRUSTED',
      /not trusted/,
    ],
    [
      125,
      'choosing an image from manifest list docker://x: no image found in image index for architecture s390x, variant "", OS linux',
      'BASE_PLATFORM_MISSING',
      /no linux\/arm64 variant/,
    ],
    [
      125,
      'creating build executor: could not parse secrets: stat /nonexistent: no such file or directory',
      'SECRET_NOT_FOUND',
      /secret's file is missing/,
    ],
    [
      125,
      'cannot find Containerfile or Dockerfile in context directory: stat /data/jobs/1/src/docker/Dockerfile: no such file or directory',
      'DOCKERFILE_NOT_FOUND',
      /not found/,
    ],
    [
      125,
      'something new',
      'ENGINE_FAILED',
      'The linux build for linux/arm64 failed at step 3/5 (RUN make) of stage 1: something new.',
    ],
  ])('exit %i "%s" -> %s', (code, line, reason, message) => {
    const e = buildFailure(code, line, ctx);
    expect(e.reason).toBe(reason);
    expect(e.message).toMatch(message);
    expect(e.message).not.toContain('/data/jobs');
  });

  it('maps push errors: denied is not an authentication problem', () => {
    expect(
      registryFailure(
        'writing blob: initiating layer upload to /v2/x/blobs/uploads/ in r:5000: denied: requested access to the resource is denied',
        'Pushing r:5000/x:1',
      )?.reason,
    ).toBe('PUSH_DENIED');
    expect(
      registryCommandFailure('noise\nError: writing manifest: something odd\n', 'Pushing r:5000/x:1').message,
    ).toBe('Pushing r:5000/x:1 failed: Error: writing manifest: something odd');
    expect(
      registryCommandFailure('denied: requested access to the resource is denied', 'Tagging r:5000/x:2').reason,
    ).toBe('PUSH_DENIED');
    expect(
      registryFailure(
        'initializing source docker://docker.io/library/busybox:latest: reading manifest latest in docker.io/library/busybox: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit',
        'Reading docker.io/library/busybox:latest',
      )?.message,
    ).toBe(
      'Reading docker.io/library/busybox:latest: Docker Hub refused the request for now: too many requests (rate limit). Pull base images as a Docker Hub user (push with a DOCKER_HUB integration, whose login is used for pulls too), or copy the base image into your own registry and use it from there; or run again later.',
    );
    expect(
      registryFailure(
        'reading manifest 1 in r.example:5000/x: received unexpected HTTP status: 429 Too Many Requests',
        'Pushing r.example:5000/x:1',
      )?.reason,
    ).toBe('RATE_LIMITED');
    expect(registryFailure('all fine', 'x')).toBeNull();
  });
});

describe('buildah output', () => {
  it('reads step lines with and without stage and platform prefixes', () => {
    expect(parseStepLine('STEP 2/3: RUN make')).toEqual({
      stage: null,
      stages: null,
      step: 2,
      steps: 3,
      instruction: 'RUN make',
    });
    expect(parseStepLine('[1/2] STEP 8/10: COPY . /src')).toMatchObject({ stage: 1, stages: 2, step: 8 });
    expect(parseStepLine('[linux/arm/v6] [2/2] STEP 1/4: FROM x AS final')).toMatchObject({
      stage: 2,
      step: 1,
      instruction: 'FROM x AS final',
    });
    expect(parseStepLine('RUN output that mentions STEP 1/2: no')).toBeNull();
  });
  it('knows cache hits, noise and the last Error: line', () => {
    expect(isCacheHit('--> Using cache 0123abcd')).toBe(true);
    expect(isCacheHit('--> Cache pulled from remote r/cache:abc')).toBe(true);
    expect(isNoise('time="x" level=warning msg="missing \\"TARGETVARIANT\\" build argument. Try adding"')).toBe(true);
    expect(isNoise('[Warning] one or more build args were not consumed: [TARGETOS]')).toBe(true);
    expect(isNoise('[Warning] one or more build args were not consumed: [MYARG]')).toBe(false);
    expect(lastErrorLine('x\nError: first\nmore\nError: second\n')).toBe('second');
  });
});
