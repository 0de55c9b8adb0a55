import { describe, expect, it } from 'vitest';
import { createLogModel } from './log-model.js';
import { createSearch, matchRanges } from './search.js';

describe('search', () => {
  it('finds the lines of a view containing the query, case-insensitive, escapes ignored', () => {
    const model = createLogModel();
    ['Make all', '[linux/arm64] \x1b[1mMA\x1b[0mKE: ok', '[linux/amd64] make', 'nothing'].forEach((l, n) =>
      model.append(n, l),
    );
    expect(createSearch(model, null, 'make').matches).toEqual([0, 1, 2]);
    expect(createSearch(model, 'linux/arm64', 'MAKE').matches).toEqual([1]);
    expect(createSearch(model, null, 'linux/amd64').matches).toEqual([2]);
    expect(createSearch(model, null, '').matches).toEqual([]);
  });

  it('follows appended lines on sync, over 100,000 lines', () => {
    const model = createLogModel();
    for (let n = 0; n < 100_000; n++) model.append(n, `[linux/amd64] line ${n}${n % 1000 === 0 ? ' needle' : ''}`);
    const search = createSearch(model, null, 'NEEDLE');
    expect(search.matches.length).toBe(100);
    model.append(100_000, 'a needle at the tail');
    search.sync();
    expect(search.matches.length).toBe(101);
    expect(search.matches.at(-1)).toBe(100_000);
  });

  it('gives the ranges of each occurrence in a text', () => {
    expect(matchRanges('abcABCab', 'ab')).toEqual([
      [0, 2],
      [3, 5],
      [6, 8],
    ]);
    expect(matchRanges('aaaa', 'aa')).toEqual([
      [0, 2],
      [2, 4],
    ]);
    expect(matchRanges('x', '')).toEqual([]);
  });
});
