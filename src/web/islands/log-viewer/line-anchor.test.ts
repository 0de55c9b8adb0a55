import { describe, expect, it } from 'vitest';
import { hashOfLine, lineOfHash } from './line-anchor.js';

describe('line anchors', () => {
  it('number lines from 1 in the hash and from 0 in the model', () => {
    expect(lineOfHash('#L1')).toBe(0);
    expect(lineOfHash('#L2500')).toBe(2499);
    expect(hashOfLine(2499)).toBe('#L2500');
    for (const bad of ['', '#L0', '#L', '#L01', '#l3', '#L3x', '#L1234567890']) expect(lineOfHash(bad)).toBeNull();
  });
});
