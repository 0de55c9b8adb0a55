import type { LogModel } from './log-model.js';
import type { Section } from './section.js';

/** A view: null for All, else a platform's lane. */
export type View = string | null;

/**
 * One row of a view: `n >= 0` is line n, a negative value is the header of section `-(row + 1)`. Plain numbers
 * in one array (not objects): 100,000 rows are 0.8 MB and rebuilding them takes ~1 ms.
 */
export type Row = number;

export const headerRow = (sectionId: number): Row => -sectionId - 1;
export const sectionIdOfRow = (row: Row): number | null => (row < 0 ? -row - 1 : null);

/** Which sections are open: the model's default unless the reader toggled one. */
export interface OpenSections {
  isOpen(section: Section): boolean;
  toggle(section: Section): void;
  open(section: Section): void;
}

export function createOpenSections(model: LogModel): OpenSections {
  const toggled = new Map<number, boolean>();
  const isOpen = (s: Section) => toggled.get(s.id) ?? model.openByDefault(s);
  return {
    isOpen,
    toggle: (s) => void toggled.set(s.id, !isOpen(s)),
    open: (s) => void toggled.set(s.id, true),
  };
}

/**
 * The rows a view shows, in order: each section's header before its first line, its lines only while it is
 * open; shared lines always (in All). `sync` takes the lines appended since the last call (the live tail);
 * `rebuild` starts over, after a section opened or closed.
 */
export interface RowList {
  readonly view: View;
  readonly rows: readonly Row[];
  sync(): void;
  rebuild(): void;
  /** The row index of line n, or -1 when the view does not show it. */
  indexOfLine(n: number): number;
}

export function createRowList(model: LogModel, view: View, open: OpenSections): RowList {
  const rows: Row[] = [];
  let cursor = 0; // lines of the view consumed: a line number for All, an index into the lane's lines otherwise
  const take = (n: number) => {
    const section = model.sectionOf(n);
    if (section) {
      if (section.first === n) rows.push(headerRow(section.id));
      if (!open.isOpen(section)) return;
    }
    rows.push(n);
  };
  const sync = () => {
    if (view === null) for (; cursor < model.length; cursor++) take(cursor);
    else {
      const lines = model.laneLines(view);
      for (; cursor < lines.length; cursor++) take(lines[cursor]!);
    }
  };
  return {
    view,
    rows,
    sync,
    rebuild() {
      rows.length = 0;
      cursor = 0;
      sync();
    },
    indexOfLine: (n) => rows.indexOf(n),
  };
}
