import type { LogModel } from './log-model.js';
import type { View } from './rows.js';

/**
 * The lines of a view that contain a query (plain text, case-insensitive, ANSI escapes ignored). The model keeps
 * every line's lower-cased plain text, so a search is one `includes` per line: 100,000 lines in a few ms
 * (bench/web/log-viewer.ts). `sync` searches only the lines appended since, so the count follows a live tail.
 */
export interface Search {
  readonly query: string;
  /** Matching line numbers, ascending. */
  readonly matches: readonly number[];
  sync(): void;
}

export function createSearch(model: LogModel, view: View, query: string): Search {
  const needle = query.toLowerCase();
  const matches: number[] = [];
  let cursor = 0;
  const test = (n: number) => {
    if (model.searchText(n).includes(needle)) matches.push(n);
  };
  const sync = () => {
    if (needle === '') return;
    if (view === null) for (; cursor < model.length; cursor++) test(cursor);
    else {
      const lines = model.laneLines(view);
      for (; cursor < lines.length; cursor++) test(lines[cursor]!);
    }
  };
  sync();
  return { query, matches, sync };
}

/** Where a query occurs in a text, case-insensitive: [start, end) pairs, not overlapping. */
export function matchRanges(text: string, query: string): Array<[number, number]> {
  if (query === '') return [];
  const haystack = text.toLowerCase();
  const needle = query.toLowerCase();
  const ranges: Array<[number, number]> = [];
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length))
    ranges.push([at, at + needle.length]);
  return ranges;
}
