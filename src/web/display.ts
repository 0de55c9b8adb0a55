/**
 * How a status and a duration read, shared by the server-rendered pages and the islands that update them: a
 * status has an icon besides its colour (it reads without colour), a duration is `5.6 s`, `3 min 4 s`, `1 h 2 min`.
 */
export const STATUS_ICONS: Record<string, string> = {
  SUCCESSFUL: '✓',
  FAILED: '✗',
  INPROGRESS: '●',
  ENQUEUED: '◷',
  INITIAL: '○',
  TERMINATED: '■',
  TERMINATING: '■',
  SKIPPED: '↷',
  NOT_EXECUTED: '–',
};

export function durationText(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** A time as `2026-12-04 02:10:33 UTC`. */
export const timeText = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
