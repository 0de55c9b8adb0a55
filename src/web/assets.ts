import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { AssetUrls } from './page-context.js';

/**
 * The web app's scripts and stylesheet, bundled by esbuild in memory when the server starts (~150 ms for all of
 * them on this machine) and served under content-hashed names, so a browser may keep each for a year and a new
 * version is a new URL. The sources are the TypeScript and CSS under src/web/ (from dist/ too: the path is the
 * same relative to both), so there is no separate asset build step to forget.
 */
const SOURCE_DIR = fileURLToPath(new URL('../../src/web/', import.meta.url));

/** The islands, by the name pages use: each is one ES module bundle. */
export const ISLANDS = { execution: 'islands/execution-page.ts' } as const;
export type IslandName = keyof typeof ISLANDS;

export interface Asset {
  body: Uint8Array;
  type: string;
}

export interface Assets {
  urls: AssetUrls;
  /** The asset of a hashed file name, or undefined. */
  get(file: string): Asset | undefined;
}

const hashOf = (body: Uint8Array) => createHash('sha256').update(body).digest('hex').slice(0, 12);

export async function buildAssets(): Promise<Assets> {
  const files = new Map<string, Asset>();
  const named = new Map<string, string>();
  const add = (name: string, ext: string, type: string, body: Uint8Array) => {
    const file = `${name}.${hashOf(body)}.${ext}`;
    files.set(file, { body, type });
    named.set(name, `/app/assets/${file}`);
  };

  const entries = Object.entries(ISLANDS).filter(([, path]) => existsSync(SOURCE_DIR + path));
  const [scripts, css] = await Promise.all([
    build({
      entryPoints: Object.fromEntries(entries.map(([name, path]) => [name, SOURCE_DIR + path])),
      bundle: true,
      format: 'esm',
      target: 'es2022',
      minify: true,
      write: false,
      outdir: '/',
      logLevel: 'silent',
    }),
    build({
      entryPoints: [`${SOURCE_DIR}styles/app.css`],
      bundle: true,
      minify: true,
      write: false,
      outfile: '/app.css',
      logLevel: 'silent',
    }),
  ]);
  for (const out of scripts.outputFiles) {
    const name = out.path.replace(/^.*\//, '').replace(/\.js$/, '');
    if (out.path.endsWith('.js')) add(name, 'js', 'text/javascript; charset=utf-8', out.contents);
  }
  const stylesheet = css.outputFiles.find((o) => o.path.endsWith('.css'));
  if (!stylesheet) throw new Error('esbuild produced no stylesheet from src/web/styles/app.css');
  add('app', 'css', 'text/css; charset=utf-8', stylesheet.contents);

  return {
    urls: {
      css: named.get('app')!,
      script(name) {
        const url = named.get(name);
        if (!url) throw new Error(`No island named "${name}" (src/web/${ISLANDS[name as IslandName] ?? '?'})`);
        return url;
      },
    },
    get: (file) => files.get(file),
  };
}
