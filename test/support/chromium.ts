import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium, which scripts/install-system.sh installs; playwright-core drives it (no downloaded browser). */
export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches a headless Chromium with a fresh profile (playwright's default). Fails, never skips, without one. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install chromium: scripts/install-system.sh`);
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** Runs `fn` with a browser and closes it afterwards, also when `fn` throws. */
export async function withBrowser<T>(fn: (browser: Browser) => Promise<T>): Promise<T> {
  const browser = await launchChromium();
  try {
    return await fn(browser);
  } finally {
    await browser.close();
  }
}

/** A page in a context of its own (fresh cookies and storage), with what went wrong in it. */
export interface OpenedPage {
  page: Page;
  context: BrowserContext;
  /**
   * Uncaught exceptions and console errors (a Content-Security-Policy violation is one), as text: a test can
   * assert there are none.
   */
  errors: string[];
  close: () => Promise<void>;
}

/** Opens `url` (waiting for `load`) in a new context of `browser`. */
export async function openPage(browser: Browser, url: string): Promise<OpenedPage> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  try {
    await page.goto(url);
  } catch (e) {
    await context.close();
    throw e;
  }
  return { page, context, errors, close: () => context.close() };
}

/** The test runner's hooks useBrowser registers: vitest's, passed in so that benchmarks can import this file. */
export interface Hooks {
  beforeAll: (fn: () => Promise<void>) => void;
  afterEach: (fn: () => Promise<void>) => void;
  afterAll: (fn: () => Promise<void>) => void;
}

/**
 * One browser for a test file: launched before its first test, closed after its last; every page opened through
 * `openPage` is closed after its test, passed or failed. Call at the top level of a test file:
 * `const browser = useBrowser({ beforeAll, afterEach, afterAll })` with vitest's hooks.
 */
export function useBrowser({ beforeAll, afterEach, afterAll }: Hooks): {
  browser(): Browser;
  openPage(url: string): Promise<OpenedPage>;
} {
  let browser: Browser | null = null;
  const open: OpenedPage[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
  });
  afterAll(async () => {
    await browser?.close();
  });
  const current = () => {
    if (!browser) throw new Error('useBrowser(): the browser is not launched yet (use it inside a test)');
    return browser;
  };
  return {
    browser: current,
    async openPage(url) {
      const opened = await openPage(current(), url);
      open.push(opened);
      return opened;
    },
  };
}
