/** `ok`: fine; `warn`: works but worth a look (does not fail the doctor); `fail`: the build engine cannot work. */
export type CheckLevel = 'ok' | 'warn' | 'fail';

/** One host prerequisite of the build engine, as `archway doctor` prints it. */
export interface HostCheck {
  name: string;
  /** False only for a failed required check: a warning is still ok. */
  ok: boolean;
  level: CheckLevel;
  detail: string;
  /** The exact shell command that fixes it (on failures and warnings). */
  fix?: string;
}

/** A passed check. Never throws. */
export function passed(name: string, detail: string): HostCheck {
  return { name, ok: true, level: 'ok', detail };
}

/** A failed required check with the command that fixes it (when one is known). Never throws. */
export function failed(name: string, detail: string, fix?: string): HostCheck {
  return fix === undefined
    ? { name, ok: false, level: 'fail', detail }
    : { name, ok: false, level: 'fail', detail, fix };
}

/** A warning: `ok` stays true, so the doctor's exit code is not affected. Never throws. */
export function warned(name: string, detail: string, fix?: string): HostCheck {
  return fix === undefined ? { name, ok: true, level: 'warn', detail } : { name, ok: true, level: 'warn', detail, fix };
}

/** The message of any thrown value, on one line. Never throws. */
export function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
}

/** The last non-empty line of a child's output, for a short failure detail. Never throws. */
export function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines[lines.length - 1] ?? '';
}
