import Anser from 'anser';

/**
 * A piece of a line with one style. The DOM layer makes one text node per run, so nothing in a line is ever
 * parsed as HTML: anser is asked for JSON (its HTML output is never used).
 */
export interface StyledRun {
  text: string;
  /** CSS classes: `ansi-red-fg`, `ansi-bright-blue-bg`, `ansi-bold`, ... (log-viewer.css styles them). */
  classes: string[];
  /** `rgb(r, g, b)` for 256-colour and true-colour escapes, which have no class. */
  color: string | null;
  background: string | null;
  /** Inside a search match. */
  marked: boolean;
}

const CUBE = [0, 95, 135, 175, 215, 255];

/** xterm's 256 colours, 16 and up (0-15 arrive from anser as the named classes). */
export function paletteRgb(index: number): string {
  if (index >= 232) {
    const v = 8 + (index - 232) * 10;
    return `rgb(${v}, ${v}, ${v})`;
  }
  const i = index - 16;
  return `rgb(${CUBE[Math.floor(i / 36) % 6]}, ${CUBE[Math.floor(i / 6) % 6]}, ${CUBE[i % 6]})`;
}

function colour(name: string | null, truecolor: string | null, side: 'fg' | 'bg'): [string | null, string | null] {
  if (!name) return [null, null];
  if (name === 'ansi-truecolor') return [null, truecolor ? `rgb(${truecolor})` : null];
  const palette = /^ansi-palette-(\d+)$/.exec(name);
  if (palette) return [null, paletteRgb(Number(palette[1]))];
  return [`${name}-${side}`, null];
}

export function styledRuns(text: string): StyledRun[] {
  if (!text.includes('\x1b')) return [{ text, classes: [], color: null, background: null, marked: false }];
  return Anser.ansiToJson(text, { use_classes: true, remove_empty: true })
    .filter((entry) => entry.content !== '')
    .map((entry) => {
      const [fgClass, color] = colour(entry.fg, entry.fg_truecolor, 'fg');
      const [bgClass, background] = colour(entry.bg, entry.bg_truecolor, 'bg');
      const classes = [fgClass, bgClass, ...entry.decorations.map((d) => `ansi-${d}`)].filter(
        (c): c is string => c !== null,
      );
      return { text: entry.content, classes, color, background, marked: false };
    });
}

/** Splits runs at the given [start, end) ranges of their joined text and marks the pieces inside. */
export function markRuns(runs: readonly StyledRun[], ranges: ReadonlyArray<readonly [number, number]>): StyledRun[] {
  if (ranges.length === 0) return [...runs];
  const out: StyledRun[] = [];
  let offset = 0;
  for (const run of runs) {
    const end = offset + run.text.length;
    let at = offset;
    for (const [from, to] of ranges) {
      if (to <= at || from >= end) continue;
      if (from > at) out.push({ ...run, text: run.text.slice(at - offset, from - offset) });
      const stop = Math.min(to, end);
      out.push({ ...run, text: run.text.slice(Math.max(from, at) - offset, stop - offset), marked: true });
      at = stop;
    }
    if (at < end) out.push({ ...run, text: run.text.slice(at - offset) });
    offset = end;
  }
  return out;
}
