import { markRuns, styledRuns } from '../../log/ansi.js';
import { shortPlatform } from '../../log/lane-text.js';
import type { LogModel } from '../../log/log-model.js';
import { matchRanges } from '../../log/search.js';
import type { Section } from '../../log/section.js';
import { hashOfLine } from './line-anchor.js';

/** How one line row is shown: what the row cache compares to know whether an element can be reused. */
export interface LineLook {
  showPlatform: boolean;
  match: boolean;
  current: boolean;
  target: boolean;
  query: string;
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  el.className = className;
  return el;
}

/** One line: its number as a link, its platform in All, its text as text nodes (never parsed as HTML). */
export function lineElement(model: LogModel, n: number, look: LineLook): HTMLElement {
  const row = element('div', 'lv-row lv-line');
  row.dataset.n = String(n);
  if (look.match) row.classList.add('lv-match');
  if (look.current) row.classList.add('lv-current');
  if (look.target) row.classList.add('lv-target');
  const number = element('a', 'lv-n');
  number.href = hashOfLine(n);
  number.textContent = String(n + 1);
  row.append(number);
  const platform = model.platformOf(n);
  if (look.showPlatform && platform) {
    const badge = element('span', 'lv-platform');
    badge.textContent = shortPlatform(platform);
    row.append(badge);
  }
  const text = element('span', 'lv-text');
  const runs = styledRuns(model.text(n));
  const marked = look.match ? markRuns(runs, matchRanges(runs.map((r) => r.text).join(''), look.query)) : runs;
  for (const run of marked) {
    if (run.classes.length === 0 && !run.color && !run.background && !run.marked) {
      text.append(document.createTextNode(run.text));
      continue;
    }
    const span = element(run.marked ? 'mark' : 'span', run.classes.join(' '));
    // CSSOM, not a style attribute: allowed under style-src 'self'.
    if (run.color) span.style.color = run.color;
    if (run.background) span.style.backgroundColor = run.background;
    span.textContent = run.text;
    text.append(span);
  }
  row.append(text);
  return row;
}

/** A step section's header: a button that opens or closes it, saying when it failed (in words, not only colour). */
export function sectionElement(section: Section, open: boolean, showPlatform: boolean): HTMLElement {
  const row = element('div', 'lv-row lv-section');
  row.dataset.section = String(section.id);
  if (section.failed) row.classList.add('lv-section-failed');
  const button = element('button', 'lv-toggle');
  button.type = 'button';
  button.setAttribute('aria-expanded', String(open));
  const caret = element('span', 'lv-caret');
  caret.setAttribute('aria-hidden', 'true');
  caret.textContent = open ? '▾' : '▸';
  button.append(caret);
  if (showPlatform) {
    const badge = element('span', 'lv-platform');
    badge.textContent = shortPlatform(section.platform);
    button.append(badge);
  }
  const title = element('span', 'lv-section-title');
  title.textContent = section.title;
  button.append(title);
  if (section.failed) {
    const flag = element('span', 'lv-flag');
    flag.textContent = '✗ failed';
    button.append(flag);
  }
  if (!open) {
    const hidden = element('span', 'lv-hidden-lines');
    hidden.textContent = section.lines === 1 ? '1 line' : `${section.lines} lines`;
    button.append(hidden);
  }
  row.append(button);
  return row;
}
