import { laneDetails, STATUS_TEXT } from '../../log/lane-text.js';
import type { LaneSummary } from '../../log/lane.js';
import type { View } from '../../log/rows.js';

export interface Tabs {
  element: HTMLElement;
  /** Adds tabs for new lanes and rewrites the summaries that changed. */
  update(lanes: readonly LaneSummary[], totalLines: number): void;
  select(view: View): void;
}

function part(className: string): HTMLSpanElement {
  const span = document.createElement('span');
  span.className = className;
  return span;
}

const setText = (el: HTMLElement, text: string) => {
  if (el.textContent !== text) el.textContent = text;
};

/**
 * "All" and one tab per platform, each a button with role="tab" and aria-selected; the arrow keys, Home and End
 * move between them (one tab stop for the whole list, as the ARIA tabs pattern has it).
 */
export function createTabs(controls: string, onSelect: (view: View) => void): Tabs {
  const list = document.createElement('div');
  list.className = 'lv-tabs';
  list.setAttribute('role', 'tablist');
  list.setAttribute('aria-label', 'Platforms');
  const tabs = new Map<View, { button: HTMLButtonElement; status: HTMLSpanElement; details: HTMLSpanElement }>();
  let selected: View = null;

  const add = (view: View, name: string) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'lv-tab';
    button.setAttribute('role', 'tab');
    button.setAttribute('aria-controls', controls);
    button.dataset.view = view ?? 'all';
    const label = part('lv-tab-name');
    label.textContent = name;
    const status = part('lv-tab-status');
    const details = part('lv-tab-details');
    button.append(label, status, details);
    button.addEventListener('click', () => onSelect(view));
    list.append(button);
    tabs.set(view, { button, status, details });
    paint();
  };

  const paint = () => {
    for (const [view, tab] of tabs) {
      const on = view === selected;
      tab.button.setAttribute('aria-selected', String(on));
      tab.button.tabIndex = on ? 0 : -1;
    }
  };

  list.addEventListener('keydown', (e) => {
    const views = [...tabs.keys()];
    const at = views.indexOf(selected);
    const to =
      e.key === 'ArrowRight'
        ? (at + 1) % views.length
        : e.key === 'ArrowLeft'
          ? (at - 1 + views.length) % views.length
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? views.length - 1
              : -1;
    if (to < 0) return;
    e.preventDefault();
    const view = views[to]!;
    onSelect(view);
    tabs.get(view)?.button.focus();
  });

  add(null, 'All');
  return {
    element: list,
    update(lanes, totalLines) {
      for (const lane of lanes) {
        if (!tabs.has(lane.platform)) add(lane.platform, lane.platform);
        const tab = tabs.get(lane.platform)!;
        setText(tab.status, STATUS_TEXT[lane.status]);
        tab.status.className = `lv-tab-status lv-status-${lane.status}`;
        setText(tab.details, laneDetails(lane));
      }
      setText(tabs.get(null)!.details, totalLines === 1 ? '1 line' : `${totalLines.toLocaleString('en')} lines`);
    },
    select(view) {
      selected = view;
      paint();
    },
  };
}
