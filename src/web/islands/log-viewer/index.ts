import { createLogModel } from '../../log/log-model.js';
import {
  createOpenSections,
  createRowList,
  sectionIdOfRow,
  type Row,
  type RowList,
  type View,
} from '../../log/rows.js';
import { createSearch, type Search } from '../../log/search.js';
import { lineOfHash } from './line-anchor.js';
import { followLogStream } from './log-stream.js';
import { lineElement, sectionElement } from './row-elements.js';
import { createSearchBar } from './search-bar.js';
import { createTabs } from './tabs.js';
import { createVirtualRows } from './virtual-rows.js';

export interface LogViewerOptions {
  /** The action execution's SSE stream (same origin; the session cookie authenticates it). */
  streamUrl: string;
  /** Where the whole log downloads as text, or null for no link. */
  rawUrl: string | null;
  /** The action had ended when the page was made: the viewer opens at the top instead of following the tail. */
  finished: boolean;
}

export interface LogViewer {
  /** Stops the stream and the listeners; the rows drawn stay. */
  close(): void;
}

/** Must match `.lv-row` in log-viewer.css; measured at mount in case a stylesheet changed it. */
const ROW_HEIGHT = 20;

let mounted = 0;

/**
 * The live log viewer: tabs "All" and one per platform with the lane's summary, the log as virtualized rows in
 * collapsible step sections, line links `#L<n>`, search, the tail followed while the view is at the bottom.
 * Every string of the log goes into text nodes. State the tests read: `data-state` on the root (`connecting`,
 * `live`, `reconnecting`, `ended`), `data-lines`, `data-following`; `data-n` on each drawn line.
 */
export function mountLogViewer(root: HTMLElement, options: LogViewerOptions): LogViewer {
  const id = `log-viewer-${++mounted}`;
  const model = createLogModel();
  const open = createOpenSections(model);
  let view: View = null;
  let rows: RowList = createRowList(model, view, open);
  let search: Search | null = null;
  let currentMatch = -1;
  let target = lineOfHash(location.hash);
  let revealPending = target !== null;
  let following = !options.finished && target === null;
  let seenVersion = -1;
  let frame = 0;

  root.replaceChildren();
  root.classList.add('log-viewer');
  root.dataset.state = 'connecting';
  const toolbar = document.createElement('div');
  toolbar.className = 'lv-toolbar';
  const tabs = createTabs(`${id}-rows`, (v) => selectView(v));
  const searchBar = createSearchBar({ onQuery: (q) => setQuery(q), onStep: (d) => stepMatch(d) });
  const status = document.createElement('span');
  status.className = 'lv-state';
  status.setAttribute('aria-live', 'polite');
  toolbar.append(tabs.element, searchBar.element, status);
  if (options.rawUrl) {
    const raw = document.createElement('a');
    raw.className = 'lv-raw';
    raw.href = options.rawUrl;
    raw.textContent = 'Download raw log';
    toolbar.append(raw);
  }
  const scroller = document.createElement('div');
  scroller.className = 'lv-scroller';
  scroller.id = `${id}-rows`;
  scroller.tabIndex = 0;
  // role="log" announces additions politely; the rows drawn change on every scroll, so only additions count.
  scroller.setAttribute('role', 'log');
  scroller.setAttribute('aria-label', 'Log');
  scroller.setAttribute('aria-relevant', 'additions');
  const follow = document.createElement('button');
  follow.type = 'button';
  follow.className = 'lv-follow';
  follow.textContent = '↓ Follow the log';
  follow.hidden = true;
  root.append(toolbar, scroller, follow);
  tabs.select(view);

  const rowHeight = measureRowHeight(scroller);
  const list = createVirtualRows(scroller, rowHeight);

  const renderer = {
    keyOf(row: Row): string {
      const sectionId = sectionIdOfRow(row);
      if (sectionId !== null) {
        const section = model.sections()[sectionId]!;
        const isOpen = open.isOpen(section);
        return `s${view === null}${isOpen}${section.failed}${isOpen ? 0 : section.lines}`;
      }
      const match = isMatch(row);
      return `l${view === null}${match}${match && search?.matches[currentMatch] === row}${row === target}${match ? search?.query : ''}`;
    },
    create(row: Row): HTMLElement {
      const sectionId = sectionIdOfRow(row);
      if (sectionId !== null) {
        const section = model.sections()[sectionId]!;
        return sectionElement(section, open.isOpen(section), view === null);
      }
      const match = isMatch(row);
      return lineElement(model, row, {
        showPlatform: view === null,
        match,
        current: match && search?.matches[currentMatch] === row,
        target: row === target,
        query: search?.query ?? '',
      });
    },
  };

  const isMatch = (n: number): boolean => {
    if (!search || search.matches.length === 0) return false;
    return binaryHas(search.matches, n);
  };

  const schedule = () => {
    if (frame === 0) frame = requestAnimationFrame(render);
  };

  function render() {
    frame = 0;
    if (model.version !== seenVersion) {
      seenVersion = model.version;
      rows.sync();
      search?.sync();
      tabs.update(model.lanes(), model.length);
      root.dataset.lines = String(model.length);
      showState();
    }
    if (revealPending && target !== null && model.length > target) {
      revealPending = false;
      reveal(target);
    }
    list.update(rows.rows, renderer, following);
    follow.hidden = following || root.dataset.state === 'ended';
    root.dataset.following = String(following);
  }

  const showState = () => {
    const state = root.dataset.state;
    const lines = model.length === 1 ? '1 line' : `${model.length.toLocaleString('en')} lines`;
    status.textContent =
      state === 'ended'
        ? `${lines} · ${(model.endStatus ?? '').toLowerCase()}`
        : state === 'reconnecting'
          ? `${lines} · reconnecting…`
          : `${lines} · live`;
    if (search) searchBar.showCount(currentMatch, search.matches.length, search.query);
  };

  /** Shows line n: opens its section if closed, goes to All if the view lacks it, scrolls it into the middle. */
  function reveal(n: number) {
    const section = model.sectionOf(n);
    if (section && !open.isOpen(section)) {
      open.open(section);
      rows.rebuild();
    }
    if (rows.indexOfLine(n) < 0 && view !== null) selectView(null);
    following = false;
    const index = rows.indexOfLine(n);
    list.resize(rows.rows.length);
    if (index >= 0 && !list.inView(index)) list.scrollToIndex(index);
    schedule();
  }

  function selectView(next: View) {
    if (next === view) return;
    view = next;
    tabs.select(view);
    rows = createRowList(model, view, open);
    rows.sync();
    if (search) setQuery(search.query, false);
    if (!following) scroller.scrollTop = 0;
    schedule();
  }

  function setQuery(query: string, go = true) {
    search = query === '' ? null : createSearch(model, view, query);
    currentMatch = search && search.matches.length > 0 ? 0 : -1;
    searchBar.showCount(currentMatch, search?.matches.length ?? 0, query);
    if (go && search && currentMatch >= 0) reveal(search.matches[currentMatch]!);
    schedule();
  }

  function stepMatch(delta: 1 | -1) {
    if (!search || search.matches.length === 0) return;
    const total = search.matches.length;
    currentMatch = (currentMatch + delta + total) % total;
    searchBar.showCount(currentMatch, total, search.query);
    reveal(search.matches[currentMatch]!);
  }

  const onScroll = () => {
    following = list.atEnd(); // scrolled up: stop following; back at the bottom: follow again
    schedule();
  };
  scroller.addEventListener('scroll', onScroll);
  scroller.addEventListener('wheel', (e) => {
    if (e.deltaY < 0) following = false;
  });
  scroller.addEventListener('click', (e) => {
    const toggle = (e.target as Element).closest('.lv-toggle');
    const sectionId = Number(toggle?.closest<HTMLElement>('.lv-section')?.dataset.section);
    const section = Number.isInteger(sectionId) ? model.sections()[sectionId] : undefined;
    if (!section) return;
    open.toggle(section);
    rows.rebuild();
    render();
    scroller.querySelector<HTMLElement>(`[data-section="${section.id}"] .lv-toggle`)?.focus();
  });
  follow.addEventListener('click', () => {
    following = true;
    schedule();
  });
  const onHash = () => {
    const n = lineOfHash(location.hash);
    target = n;
    if (n !== null) {
      following = false;
      if (model.length > n) reveal(n);
      else revealPending = true;
    }
    schedule();
  };
  window.addEventListener('hashchange', onHash);

  const stream = followLogStream(options.streamUrl, {
    nextLine: () => model.length,
    onLine(n, line) {
      model.append(n, line);
      schedule();
    },
    onEnd(endStatus) {
      model.end(endStatus);
      root.dataset.state = 'ended';
      rows.rebuild(); // the end closes the passed steps of a failed lane
      const failing = model.sections().find((s) => s.failed);
      if (failing && target === null && (following || options.finished)) {
        following = false;
        rows.sync();
        const index = rows.indexOfLine(failing.first);
        list.resize(rows.rows.length);
        if (index >= 0) list.scrollToIndex(index);
      }
      showState();
      schedule();
    },
    onState(state) {
      if (root.dataset.state === 'ended') return;
      root.dataset.state = state;
      showState();
    },
  });
  schedule();

  return {
    close() {
      stream.close();
      cancelAnimationFrame(frame);
      frame = 0;
      window.removeEventListener('hashchange', onHash);
      scroller.removeEventListener('scroll', onScroll);
    },
  };
}

function binaryHas(sorted: readonly number[], n: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = sorted[mid]!;
    if (v === n) return true;
    if (v < n) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

function measureRowHeight(scroller: HTMLElement): number {
  const probe = document.createElement('div');
  probe.className = 'lv-row';
  probe.textContent = 'x';
  scroller.append(probe);
  const height = probe.getBoundingClientRect().height;
  probe.remove();
  return height > 0 ? height : ROW_HEIGHT;
}
