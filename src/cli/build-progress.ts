import type { BuildEvent, BuildResult } from '../app/ports/engine.js';

interface Row {
  status: string;
  emulated: boolean;
}

/**
 * How `archway build` shows a running build: on a TTY one live line per platform (its current step), redrawn
 * in place; otherwise every line, prefixed with its platform, for CI logs and pipes.
 */
export function createProgressView(out: NodeJS.WriteStream, verbose: boolean) {
  const tty = out.isTTY === true && !verbose;
  const rows = new Map<string, Row>();
  let drawn = 0;
  const redraw = () => {
    if (drawn > 0) out.write(`\x1b[${drawn}A`);
    const width = out.columns ?? 100;
    for (const [platform, row] of rows)
      out.write(
        `\x1b[2K${`${platform.padEnd(13)} ${row.emulated ? 'qemu  ' : 'native'} ${row.status}`.slice(0, width - 1)}\n`,
      );
    drawn = rows.size;
  };
  return {
    onEvent(e: BuildEvent): void {
      if (e.type === 'preflight') return void out.write(`${e.message}\n`);
      if (e.type === 'pushed') return void out.write(`${tty ? '' : ''}pushed ${e.reference} (${e.digest})\n`);
      if (!tty) {
        if (e.type === 'log') out.write(`[${e.platform ?? 'build'}] ${e.line}\n`);
        if (e.type === 'platform-started')
          out.write(`[${e.platform}] build started (${e.emulated ? 'emulated with QEMU' : 'native'})\n`);
        return;
      }
      if (e.type === 'platform-started') rows.set(e.platform, { status: 'starting', emulated: e.emulated });
      else if (e.type === 'step') {
        const row = rows.get(e.platform);
        if (row) row.status = `STEP ${e.step}/${e.steps}: ${e.instruction}`;
      } else return;
      redraw();
    },
    summary(r: BuildResult): void {
      drawn = 0;
      out.write(`\nimage index ${r.indexDigest}\n`);
      for (const ref of r.references) out.write(`  ${ref}\n`);
      for (const p of r.platforms) {
        out.write(
          `  ${p.platform.padEnd(13)} ${p.digest}  ${p.emulated ? 'emulated' : 'native  '}  ${(p.durationMs / 1000).toFixed(1)} s  ${p.cachedSteps}/${p.totalSteps} steps cached\n`,
        );
      }
      out.write(`built and verified in ${(r.durationMs / 1000).toFixed(1)} s\n`);
    },
  };
}
