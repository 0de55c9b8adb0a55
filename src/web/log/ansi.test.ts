import { describe, expect, it } from 'vitest';
import { markRuns, paletteRgb, styledRuns } from './ansi.js';

describe('styledRuns', () => {
  it('is one unstyled run for a line without escapes, HTML kept as text', () => {
    expect(styledRuns('<img src=x onerror=alert(1)>')).toEqual([
      { text: '<img src=x onerror=alert(1)>', classes: [], color: null, background: null, marked: false },
    ]);
  });

  it('turns SGR escapes into classes, 256 and true colours into rgb()', () => {
    const runs = styledRuns('\x1b[1;31mred\x1b[0m plain \x1b[38;5;208mpal\x1b[48;2;1;2;3mtc\x1b[0m<b>');
    expect(runs.map((r) => [r.text, r.classes, r.color, r.background])).toEqual([
      ['red', ['ansi-red-fg', 'ansi-bold'], null, null],
      [' plain ', [], null, null],
      ['pal', [], paletteRgb(208), null],
      ['tc', [], paletteRgb(208), 'rgb(1, 2, 3)'],
      ['<b>', [], null, null],
    ]);
  });
});

describe('paletteRgb', () => {
  it('follows the xterm cube and grey ramp', () => {
    expect(paletteRgb(16)).toBe('rgb(0, 0, 0)');
    expect(paletteRgb(208)).toBe('rgb(255, 135, 0)');
    expect(paletteRgb(231)).toBe('rgb(255, 255, 255)');
    expect(paletteRgb(232)).toBe('rgb(8, 8, 8)');
    expect(paletteRgb(255)).toBe('rgb(238, 238, 238)');
  });
});

describe('markRuns', () => {
  it('splits runs at match ranges, also a match across two runs', () => {
    const runs = styledRuns('\x1b[31mabc\x1b[0mdef');
    const marked = markRuns(runs, [
      [1, 2],
      [2, 5],
    ]);
    expect(marked.map((r) => [r.text, r.marked, r.classes])).toEqual([
      ['a', false, ['ansi-red-fg']],
      ['b', true, ['ansi-red-fg']],
      ['c', true, ['ansi-red-fg']],
      ['de', true, []],
      ['f', false, []],
    ]);
    expect(marked.map((r) => r.text).join('')).toBe('abcdef');
  });
});
