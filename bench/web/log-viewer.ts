/**
 * The live log viewer's figures (run: `npx tsx bench/web/log-viewer.ts`; a benchmark, never a timed test):
 *  - the model in Node: appending 100,000 lines, appending 1,000 more to them, a search over them;
 *  - in Chromium: time to first render of 100,000 lines served at once (navigation start to the first row drawn
 *    with every line held), and the lag of a 1,000 lines/s tail (a line's send to its row drawn), p50/p99;
 *  - the reason the viewer reads the stream through fetch: 100,000 events through EventSource and through fetch.
 */
import { performance } from 'node:perf_hooks';
import { reportLatency } from '../shared/latency.js';
import { createLogModel } from '../../src/web/log/log-model.js';
import { createSearch } from '../../src/web/log/search.js';
import { openPage, withBrowser } from '../../test/support/chromium.js';
import { startHarness } from '../../test/web/fixtures/log-viewer-harness/harness-server.js';

const RUNS = Number(process.env.RUNS ?? 5);
const BIG = 100_000;
const TAIL_SECONDS = 5;
const TAIL_RATE = 1000;

const PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6'];
/** A build-like log: four lanes, a STEP every 50 lines, colours, cache hits, shared lines. */
function buildLine(n: number): string {
  const platform = PLATFORMS[n % 4]!;
  if (n % 1000 === 999) return `Pushed 127.0.0.1:5000/app@sha256:${'a'.repeat(64)} (${n})`;
  if (n % 200 < 4) return `[${platform}] STEP ${Math.floor(n / 200) + 1}/${BIG / 200}: RUN make target-${n}`;
  if (n % 200 < 8) return `[${platform}] --> Using cache ${'0123456789abcdef'.repeat(4)}`;
  return `[${platform}] \x1b[32mcc\x1b[0m -O2 -c src/file-${n}.c -o build/file-${n}.o`;
}

function figure(name: string, ms: number[]): void {
  if (ms.length === 1) console.log(`${name.padEnd(34)} ${ms[0]!.toFixed(1)} ms`);
  else reportLatency(name, ms);
}

function modelFigures(): void {
  const lines = Array.from({ length: BIG + 1000 }, (_, n) => buildLine(n));
  const append100k: number[] = [];
  const append1k: number[] = [];
  const search: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const model = createLogModel();
    let t = performance.now();
    for (let n = 0; n < BIG; n++) model.append(n, lines[n]!);
    append100k.push(performance.now() - t);
    t = performance.now();
    for (let n = BIG; n < BIG + 1000; n++) model.append(n, lines[n]!);
    append1k.push(performance.now() - t);
    t = performance.now();
    const found = createSearch(model, null, 'FILE-4242.').matches.length;
    search.push(performance.now() - t);
    if (found !== 1) throw new Error(`search found ${found} lines, not 1`);
  }
  console.log('model (Node):');
  figure('  append 100,000 lines', append100k);
  figure('  append 1,000 to 100,000 lines', append1k);
  figure('  search 101,000 lines', search);
}

async function browserFigures(): Promise<void> {
  const harness = await startHarness();
  try {
    await withBrowser(async (browser) => {
      const big = harness.log(
        'big',
        Array.from({ length: BIG }, (_, n) => buildLine(n)),
      );
      big.end('SUCCESSFUL');
      const firstRender: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const { page, close } = await openPage(browser, big.pageUrl({ finished: true }));
        // performance.now() counts from the navigation's start
        const at = await page.waitForFunction(
          (n) => (document.querySelector(`.log-viewer[data-lines="${n}"] .lv-line`) ? performance.now() : null),
          BIG,
          { polling: 'raf', timeout: 30_000 },
        );
        firstRender.push((await at.jsonValue())!);
        await close();
      }
      console.log('viewer (Chromium):');
      figure('  first render of 100,000 lines', firstRender);

      const lags: number[] = [];
      let missed = 0;
      for (let run = 0; run < Math.min(RUNS, 3); run++) {
        const log = harness.log(`tail-${run}`, ['[linux/amd64] build started (native)']);
        const opened = await openPage(browser, 'about:blank');
        await opened.page.addInitScript(() => {
          const seen: Record<string, number> = {};
          (window as any).seen = seen;
          new MutationObserver((records) => {
            const now = Date.now();
            for (const r of records)
              for (const node of r.addedNodes) {
                const n = (node as HTMLElement).dataset?.n;
                if (n !== undefined && !(n in seen)) seen[n] = now;
              }
          }).observe(document, { childList: true, subtree: true });
        });
        await opened.page.goto(log.pageUrl());
        await opened.page.waitForSelector('.lv-line[data-n="0"]');
        const sentAt: number[] = [];
        const total = TAIL_SECONDS * TAIL_RATE;
        const started = Date.now();
        let n = 1;
        await new Promise<void>((resolve) => {
          const timer = setInterval(() => {
            const due = Math.min(total, Math.floor(((Date.now() - started) * TAIL_RATE) / 1000)) + 1;
            const batch: string[] = [];
            const now = Date.now();
            for (; n < due; n++) {
              batch.push(`[linux/amd64] tail line ${n}`);
              sentAt[n] = now;
            }
            if (batch.length) log.push(...batch);
            if (n > total) {
              clearInterval(timer);
              resolve();
            }
          }, 10);
        });
        await opened.page.waitForSelector(`.lv-line[data-n="${total}"]`, { timeout: 10_000 });
        const seen: Record<string, number> = await opened.page.evaluate(() => (window as any).seen);
        for (let line = 1; line <= total; line++) {
          const at = seen[String(line)];
          if (at === undefined) missed++;
          else lags.push(at - sentAt[line]!);
        }
        log.end('SUCCESSFUL');
        await opened.close();
      }
      figure(`  tail ${TAIL_RATE} lines/s, send to drawn`, lags);
      console.log(`  lines of the tail never drawn: ${missed}`);

      const stream = harness.log(
        'raw-stream',
        Array.from({ length: BIG }, (_, n) => buildLine(n)),
      );
      stream.end('SUCCESSFUL');
      const blank = harness.log('blank');
      const { page, close } = await openPage(browser, blank.pageUrl({ finished: true }));
      const eventSource: number[] = [];
      const fetched: number[] = [];
      for (let run = 0; run < Math.min(RUNS, 3); run++) {
        eventSource.push(
          await page.evaluate(
            () =>
              new Promise<number>((resolve) => {
                const t = performance.now();
                const es = new EventSource('/logs/raw-stream/stream');
                es.onmessage = () => {};
                es.addEventListener('end', () => {
                  es.close();
                  resolve(performance.now() - t);
                });
              }),
          ),
        );
        fetched.push(
          await page.evaluate(async () => {
            const t = performance.now();
            await (await fetch('/logs/raw-stream/stream')).text();
            return performance.now() - t;
          }),
        );
      }
      await close();
      console.log('stream transport (Chromium, 100,000 events, empty handler):');
      figure('  EventSource', eventSource);
      figure('  fetch', fetched);
    });
  } finally {
    await harness.close();
  }
}

modelFigures();
await browserFigures();
