import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The module table of docs/architecture.md is the rule: every file of `src/` belongs to the row whose path is its
 * longest prefix, and may import only its own row's files and the paths its "may import" column lists in
 * backticks (relative to `src/`; "everything" allows all). The check reads every import (static, `import type`,
 * re-exports, dynamic `import()`), so the table cannot say less than the code does; and every path a row lists
 * must be imported by that row, so it cannot say more either.
 */

const root = resolve(import.meta.dirname, '../..');
const src = join(root, 'src');

interface Row {
  /** Relative to the repository root: `src/api/` (a folder) or `src/api/agent-routes.ts` (a file). */
  path: string;
  everything: boolean;
  /** Relative to `src/`, as the table writes them. */
  allowed: string[];
}

function readTable(): Row[] {
  const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Modules'), doc.indexOf('\n## ', doc.indexOf('## Modules') + 1));
  const rows: Row[] = [];
  for (const line of section.split('\n')) {
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    const path = /^`([^`]+)`$/.exec(cells[1] ?? '')?.[1];
    if (!path || cells.length < 5) continue;
    const rule = cells[3] ?? '';
    const allowed = /^nothing (else )?from `src\/`/.test(rule)
      ? []
      : [...rule.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    rows.push({ path, everything: rule === 'everything', allowed });
  }
  return rows;
}

function filesUnder(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) filesUnder(path, out);
    else if (path.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Every relative module a file imports, as a repository-relative `.ts` path. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)'(\.{1,2}\/[^']+)'/gm)].map(
    (m) => m[1]!,
  );
  return specifiers.map((s) => relative(root, resolve(dirname(file), s)).replace(/\.js$/, '.ts'));
}

const covers = (rowPath: string, file: string) => (rowPath.endsWith('/') ? file.startsWith(rowPath) : file === rowPath);

function ownerOf(rows: Row[], file: string): Row | undefined {
  return rows.filter((r) => covers(r.path, file)).sort((a, b) => b.path.length - a.path.length)[0];
}

const rows = readTable();
const files = filesUnder(src).map((f) => relative(root, f));

describe('the module table of docs/architecture.md', () => {
  it('has a row for every module', () => {
    expect(rows.length).toBeGreaterThan(15);
    const unowned = files.filter((f) => !ownerOf(rows, f));
    expect(unowned, 'files of src/ that no row of the table covers').toEqual([]);
  });

  it('names only paths that exist', () => {
    const missing = [
      ...rows.filter((r) => !existsSync(join(root, r.path))).map((r) => r.path),
      ...rows.flatMap((r) => r.allowed.filter((a) => !existsSync(join(src, a))).map((a) => `${r.path} -> ${a}`)),
    ];
    expect(missing).toEqual([]);
  });

  it('allows every import the code makes', () => {
    const violations: string[] = [];
    for (const file of files) {
      const owner = ownerOf(rows, file);
      if (!owner || owner.everything) continue;
      for (const target of importsOf(file)) {
        if (ownerOf(rows, target) === owner) continue;
        if (!target.startsWith('src/')) {
          violations.push(`${file} imports ${target}, outside src/`);
          continue;
        }
        if (!owner.allowed.some((a) => covers(`src/${a}`, target))) violations.push(`${file} imports ${target}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('lists no import the code does not make', () => {
    const unused: string[] = [];
    for (const row of rows.filter((r) => !r.everything && r.path.startsWith('src/'))) {
      const targets = files.filter((f) => ownerOf(rows, f) === row).flatMap(importsOf);
      for (const allowed of row.allowed)
        if (!targets.some((t) => covers(`src/${allowed}`, t))) unused.push(`${row.path} -> ${allowed}`);
    }
    expect(unused).toEqual([]);
  });

  it('keeps the dependency rules of the design', () => {
    const row = (path: string) => rows.find((r) => r.path === path);
    expect(row('src/domain/')?.allowed, 'domain/ imports nothing else from src/').toEqual([]);
    expect(row('src/app/')?.allowed, 'app/ imports only domain/ (and its own ports)').toEqual(['domain/']);
    // Only cli/ (the composition roots) names concrete adapters.
    const adapters = ['store/', 'secrets/', 'notify/', 'git/', 'push-targets/', 'registry-server/', 'host/'];
    const adapterUsers = rows
      .filter((r) => r.path !== 'src/cli/' && r.path.startsWith('src/'))
      .flatMap((r) =>
        r.allowed
          .filter((a) => adapters.includes(a) || a.startsWith('engine/buildah/'))
          .map((a) => `${r.path} -> ${a}`),
      );
    expect(adapterUsers).toEqual([]);
  });
});

describe('the import reader', () => {
  it('sees static, type-only, re-exported and dynamic imports', () => {
    const owner = ownerOf(rows, 'src/api/app.ts');
    expect(owner?.path).toBe('src/api/');
    expect(importsOf(join(src, 'host/index.ts'))).toContain('src/process/child.ts'); // `export type { … } from`
    expect(importsOf(join(root, 'test/api/auth.test.ts'))).toContain('src/store/dialects/sqlite.ts'); // import()
  });
});
