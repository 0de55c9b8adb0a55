/**
 * The execution page's live parts: the header and the actions table follow the execution's JSON (the API's
 * `GET …/executions/:id`, authenticated by the session cookie) until it ends, and the log viewer follows the shown
 * action's log. No framework: a page is server-rendered and this only updates text in place.
 */

import { durationText, STATUS_ICONS, timeText } from '../display.js';
import { mountLogViewer } from './log-viewer/index.js';

interface ActionExecutionJson {
  action_execution_id: string;
  status: string;
  progress: number;
  start_date: string | null;
  finish_date: string | null;
}
interface ExecutionJson {
  status: string;
  start_date: string | null;
  finish_date: string | null;
  error_message: string | null;
  action_executions: ActionExecutionJson[];
}

const FINISHED = ['SUCCESSFUL', 'FAILED', 'TERMINATED'];
/** How often the header is read while the run goes on (one small JSON read; the log itself is pushed). */
const POLL_MS = 2000;

function statusNode(status: string): HTMLElement {
  const span = document.createElement('span');
  span.className = `status status-${status.toLowerCase()}`;
  span.dataset.status = status;
  const icon = document.createElement('span');
  icon.setAttribute('aria-hidden', 'true');
  icon.textContent = STATUS_ICONS[status] ?? '?';
  span.append(icon, ` ${status}`);
  return span;
}

function setStatus(cell: Element | null, status: string): void {
  if (!cell || cell.querySelector('[data-status]')?.getAttribute('data-status') === status) return;
  cell.replaceChildren(statusNode(status));
}

function setDuration(cell: Element | null, start: string | null, finish: string | null): void {
  if (!cell) return;
  cell.textContent = start ? durationText((finish ? Date.parse(finish) : Date.now()) - Date.parse(start)) : '—';
}

function apply(header: HTMLElement, e: ExecutionJson): void {
  header.dataset.status = e.status;
  setStatus(header.querySelector('[data-field="status"]'), e.status);
  const field = (name: string) => header.querySelector(`[data-field="${name}"]`);
  const start = field('start');
  if (start) start.textContent = e.start_date ? timeText(e.start_date) : '—';
  const finish = field('finish');
  if (finish) finish.textContent = e.finish_date ? timeText(e.finish_date) : '—';
  setDuration(field('duration'), e.start_date, e.finish_date);
  for (const a of e.action_executions) {
    const row = document.querySelector(`[data-action-execution="${a.action_execution_id}"]`);
    if (!row) continue;
    setStatus(row.querySelector('[data-field="status"]'), a.status);
    const progress = row.querySelector('progress');
    if (progress) {
      progress.value = a.progress;
      progress.textContent = `${a.progress} %`;
    }
    setDuration(row.querySelector('[data-field="duration"]'), a.start_date, a.finish_date);
  }
}

/** Keeps the header current; when the run ends, Cancel goes and a note offers the reload that shows Retry and the image. */
function followHeader(header: HTMLElement): void {
  const url = header.dataset.executionUrl;
  if (!url || FINISHED.includes(header.dataset.status ?? '')) return;
  const tick = async () => {
    try {
      const response = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
      if (response.ok) {
        const e = (await response.json()) as ExecutionJson;
        apply(header, e);
        if (FINISHED.includes(e.status)) {
          header.dataset.ended = 'true';
          for (const el of document.querySelectorAll('[data-while-running]')) el.remove();
          document.getElementById('run-ended')?.removeAttribute('hidden');
          return;
        }
      }
    } catch {
      // offline for a moment: the next tick tries again
    }
    setTimeout(() => void tick(), POLL_MS);
  };
  setTimeout(() => void tick(), POLL_MS);
}

const header = document.getElementById('execution-header');
if (header) followHeader(header);
const log = document.getElementById('log-viewer');
if (log?.dataset.streamUrl) {
  log.replaceChildren(); // the no-script note goes
  mountLogViewer(log, {
    streamUrl: log.dataset.streamUrl,
    rawUrl: log.dataset.rawUrl ?? null,
    finished: log.dataset.finished === 'true',
  });
}
