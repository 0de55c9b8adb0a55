import type { Row } from '../../log/rows.js';

/** Rows drawn above and below the visible ones, so a small scroll shows drawn rows before the next frame. */
const OVERSCAN = 20;

export interface RowRenderer {
  /** What decides the row's look: an element is reused while its row and its key stay the same. */
  keyOf(row: Row): string;
  create(row: Row): HTMLElement;
}

export interface VirtualRows {
  /** Redraws the rows of the visible window (cheap when nothing changed), after scrolling to the end if asked. */
  update(rows: readonly Row[], renderer: RowRenderer, toEnd: boolean): void;
  /** Makes the scrollable height that of `count` rows (update does it too; a scroll before the next one needs it). */
  resize(count: number): void;
  scrollToIndex(index: number): void;
  scrollToEnd(): void;
  atEnd(): boolean;
  /** The index of the first row in view. */
  firstVisible(): number;
  /** Whether the row at this index is wholly in view. */
  inView(index: number): boolean;
}

/**
 * Virtualized rows of a fixed height: a spacer as tall as every row together gives the scrollbar its true range,
 * and only the ~50 rows in view (plus the overscan) exist in the DOM, so 100,000 lines cost what 100 do. The
 * fixed height is the trade-off: lines do not wrap (a long line scrolls sideways), and at 20 px a row Chromium's
 * ~33,500,000 px element limit holds 1.6 million lines.
 */
export function createVirtualRows(scroller: HTMLElement, rowHeight: number): VirtualRows {
  const spacer = document.createElement('div');
  spacer.className = 'lv-spacer';
  const layer = document.createElement('div');
  layer.className = 'lv-layer';
  spacer.append(layer);
  scroller.append(spacer);
  let cache = new Map<Row, { key: string; el: HTMLElement }>();
  let count = 0;

  const firstVisible = () => Math.floor(scroller.scrollTop / rowHeight);
  const resize = (rows: number) => {
    if (rows === count) return;
    count = rows;
    spacer.style.height = `${count * rowHeight}px`; // CSSOM from script: allowed by style-src 'self'
  };

  return {
    update(rows, renderer, toEnd) {
      resize(rows.length);
      if (toEnd) scroller.scrollTop = scroller.scrollHeight;
      const from = Math.max(0, firstVisible() - OVERSCAN);
      const to = Math.min(rows.length, Math.ceil((scroller.scrollTop + scroller.clientHeight) / rowHeight) + OVERSCAN);
      const next = new Map<Row, { key: string; el: HTMLElement }>();
      const wanted: HTMLElement[] = [];
      for (let i = from; i < to; i++) {
        const row = rows[i]!;
        const key = renderer.keyOf(row);
        const held = cache.get(row);
        const entry = held && held.key === key ? held : { key, el: renderer.create(row) };
        next.set(row, entry);
        wanted.push(entry.el);
      }
      cache = next;
      layer.style.transform = `translateY(${from * rowHeight}px)`;
      // Remove what left first, then insert what came: rows that stay are never moved, so a focused one keeps focus.
      const keep = new Set(wanted);
      for (const child of [...layer.children]) if (!keep.has(child as HTMLElement)) child.remove();
      let cursor = layer.firstChild;
      for (const el of wanted) {
        if (el === cursor) cursor = cursor.nextSibling;
        else layer.insertBefore(el, cursor);
      }
    },
    resize,
    scrollToIndex(index) {
      scroller.scrollTop = Math.max(0, index * rowHeight - (scroller.clientHeight - rowHeight) / 2);
    },
    scrollToEnd() {
      scroller.scrollTop = scroller.scrollHeight;
    },
    atEnd: () => scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - rowHeight / 2,
    firstVisible,
    inView(index) {
      const top = index * rowHeight;
      return top >= scroller.scrollTop && top + rowHeight <= scroller.scrollTop + scroller.clientHeight;
    },
  };
}
