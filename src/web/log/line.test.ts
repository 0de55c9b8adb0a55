import { describe, expect, it } from 'vitest';
import { kindOf, parseLine, plainText } from './line.js';

describe('parseLine', () => {
  it('takes the platform prefix off a platform line and keeps shared lines whole', () => {
    expect(parseLine(3, '[linux/arm/v7] STEP 1/2: FROM alpine')).toEqual({
      n: 3,
      platform: 'linux/arm/v7',
      text: 'STEP 1/2: FROM alpine',
    });
    expect(parseLine(0, 'Checking out 0123456789ab of https://git.example/app.git')).toEqual({
      n: 0,
      platform: null,
      text: 'Checking out 0123456789ab of https://git.example/app.git',
    });
    // buildah's stage counter is not a platform
    expect(parseLine(1, '[1/2] STEP 3/7: RUN make').platform).toBeNull();
  });
});

describe('kindOf', () => {
  it('reads the lines the agent and buildah write', () => {
    expect(kindOf('build started (emulated with QEMU)')).toEqual({ kind: 'started', emulated: true, agent: null });
    expect(kindOf('build started (native)')).toEqual({ kind: 'started', emulated: false, agent: null });
    expect(kindOf('build started on arm box 2 (native)')).toEqual({
      kind: 'started',
      emulated: false,
      agent: 'arm box 2',
    });
    expect(kindOf('[1/2] STEP 3/7: RUN make')).toEqual({
      kind: 'step',
      stage: 1,
      stages: 2,
      step: 3,
      steps: 7,
      instruction: 'RUN make',
    });
    expect(kindOf('STEP 2/5: COPY . .')).toMatchObject({ kind: 'step', stage: null, step: 2, steps: 5 });
    expect(kindOf('--> Using cache 0123456789abcdef')).toEqual({ kind: 'cache-hit' });
    expect(kindOf('--> Cache pulled from remote 127.0.0.1:5000/cache:abc')).toEqual({ kind: 'cache-hit' });
    expect(kindOf('--> 0123456789a')).toEqual({ kind: 'other' });
    expect(kindOf(`sha256:${'a'.repeat(64)} (12.3 MiB) in 12.3 s, 3 of 7 steps from cache`)).toMatchObject({
      digest: `sha256:${'a'.repeat(64)}`,
      size: '12.3 MiB',
    });
    expect(kindOf(`sha256:${'a'.repeat(64)} in 12.3 s, 3 of 7 steps from cache`)).toEqual({
      kind: 'finished',
      digest: `sha256:${'a'.repeat(64)}`,
      size: null,
      seconds: 12.3,
      cachedSteps: 3,
      totalSteps: 7,
    });
    expect(kindOf('Error: building at STEP "RUN make": exit status 2')).toEqual({ kind: 'error' });
    expect(kindOf('an Error: in the middle')).toEqual({ kind: 'other' });
  });
});

describe('plainText', () => {
  it('removes colour, cursor and OSC escapes and keeps the rest', () => {
    expect(plainText('\x1b[1;31mError: \x1b[0mno \x1b[2Kspace')).toBe('Error: no space');
    expect(plainText('\x1b]0;title\x07after')).toBe('after');
    expect(plainText('<script>alert(1)</script>')).toBe('<script>alert(1)</script>');
  });
});
