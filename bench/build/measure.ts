/**
 * Timing, CPU accounting and the result table of the build benchmark (bench/build/run.ts).
 *
 * Other engineers share this 2-core machine, so each run also records how much CPU *other* processes used while
 * it ran: the machine's busy time (/proc/stat) minus this process's own and its reaped children's (/proc/self/stat
 * utime+stime+cutime+cstime: every buildah, skopeo and RUN step is a reaped descendant) and the registry's.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';

/** USER_HZ: the unit of /proc/stat and /proc/<pid>/stat times; 100 on every Linux build Debian ships. */
const TICKS_PER_SECOND = 100;

interface CpuSnapshot {
  busy: number;
  own: number;
}

function machineBusyTicks(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return user + nice + system + irq + softirq + steal;
}

/** utime + stime + cutime + cstime of one process, in ticks (0 when it is gone). */
function processTicks(pid: number | 'self'): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text
      .slice(text.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    return (fields[11] ?? 0) + (fields[12] ?? 0) + (fields[13] ?? 0) + (fields[14] ?? 0);
  } catch {
    return 0;
  }
}

function snapshot(ownPids: readonly number[]): CpuSnapshot {
  return {
    busy: machineBusyTicks(),
    own: processTicks('self') + ownPids.reduce((sum, pid) => sum + processTicks(pid), 0),
  };
}

export interface Sample {
  wallS: number;
  /** CPU cores other processes kept busy on average during the run. */
  othersCores: number;
  uploads: number;
  note: string;
}

/** Runs `fn` once, timing it and measuring the CPU others used meanwhile; `fn` returns a note for the table. */
export async function timed(ownPids: readonly number[], fn: () => Promise<string>): Promise<Omit<Sample, 'uploads'>> {
  const before = snapshot(ownPids);
  const started = process.hrtime.bigint();
  const note = await fn();
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  const after = snapshot(ownPids);
  const others = (after.busy - before.busy - (after.own - before.own)) / TICKS_PER_SECOND;
  return { wallS, othersCores: Math.max(0, others / wallS), note };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Others' CPU above this (in cores, on average during a run) marks the figures as taken under load. */
export const BUSY_OTHERS_CORES = 0.25;

export function describeLoad(when: string): string {
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  const cores = availableParallelism();
  const high = one > cores * 0.5 ? `  <- HIGH for ${cores} cores` : '';
  return `load average at ${when}: ${one.toFixed(2)} ${five.toFixed(2)} ${fifteen.toFixed(2)} (1/5/15 min, ${cores} cores)${high}`;
}

export interface Row {
  /** A short label ("A", "B", ...) other rows name in `versus`. */
  id: string;
  name: string;
  samples: Sample[];
  /** Messages of runs that failed (not in `samples`). */
  failures: string[];
  /** Id of the row this one's median is divided by, or null. */
  versus: string | null;
  /** Returns "met"/"NOT met (...)" for the row's target, or "" when it has none. */
  target?: (row: { median: number; ratio: number | null; uploads: number[] }) => string;
}

function pad(cells: string[], widths: number[]): string {
  return cells
    .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
    .join('  ')
    .trimEnd();
}

function rowCells(row: Row, medians: Map<string, number>): string[] {
  const walls = row.samples.map((s) => s.wallS);
  const med = median(walls);
  const base = row.versus === null ? undefined : medians.get(row.versus);
  const ratio = base ? med / base : null;
  const uploads = row.samples.map((s) => s.uploads);
  const others = Math.max(...row.samples.map((s) => s.othersCores));
  const load = `${others.toFixed(2)}${others > BUSY_OTHERS_CORES ? ' LOADED' : ''}`;
  const failed = row.failures.length ? `, ${row.failures.length} run(s) FAILED` : '';
  const target = (row.target?.({ median: med, ratio, uploads }) ?? '') + (row.target && failed ? ' +' : '') + failed;
  const upl = uploads.every((u) => u === uploads[0]) ? String(uploads[0] ?? '') : uploads.join('/');
  return [
    `${row.id}  ${row.name}`,
    String(walls.length),
    med.toFixed(2),
    Math.min(...walls).toFixed(2),
    Math.max(...walls).toFixed(2),
    ratio === null ? '-' : `${ratio.toFixed(2)}x ${row.versus}`,
    upl,
    load,
    target,
  ];
}

/** The result table: one line per row, medians and ratios taken from the rows' samples. */
export function formatTable(rows: readonly Row[]): string {
  const medians = new Map(rows.map((r) => [r.id, median(r.samples.map((s) => s.wallS))]));
  const head = ['case', 'runs', 'median s', 'min s', 'max s', 'ratio vs', 'uploads', 'others CPU', 'target'];
  const body = rows.map((r) =>
    r.samples.length > 0
      ? rowCells(r, medians)
      : [`${r.id}  ${r.name}`, '0', '-', '-', '-', '-', '-', '-', `${r.failures.length} run(s) FAILED`],
  );
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [pad(head, widths), rule, ...body.map((b) => pad(b, widths))].join('\n');
}
