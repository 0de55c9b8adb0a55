import { BuildError } from '../domain/errors.js';

/**
 * Just enough of the Dockerfile grammar for pre-flight checks: instructions (with `\` continuations and
 * comments), global ARGs before the first FROM, and the stages with their base image. Substitution follows
 * Docker's rules for FROM: only global ARGs (defaults, overridden by build args) are in scope.
 */
export interface Instruction {
  line: number;
  keyword: string;
  args: string;
}

export interface Stage {
  index: number;
  name: string | null;
  /** The FROM argument after ARG substitution: an image reference, an earlier stage's name, or "scratch". */
  base: string;
  /** The `--platform=` flag of the FROM, as written. */
  platformFlag: string | null;
  line: number;
}

const ESCAPE_DIRECTIVE = /^#\s*escape\s*=\s*(\S)\s*$/i;

export function parseInstructions(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  let escape = '\\';
  const out: Instruction[] = [];
  let pending = '';
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const directive = out.length === 0 && pending === '' ? ESCAPE_DIRECTIVE.exec(raw) : null;
    if (directive?.[1]) escape = directive[1];
    const trimmed = raw.trim();
    if (pending === '' && (trimmed === '' || trimmed.startsWith('#'))) continue;
    if (pending !== '' && trimmed.startsWith('#')) continue; // comments inside a continuation are dropped
    if (pending === '') start = i + 1;
    if (trimmed.endsWith(escape)) {
      pending += trimmed.slice(0, -1) + ' ';
      continue;
    }
    const full = (pending + trimmed).trim();
    pending = '';
    const m = /^(\S+)\s*(.*)$/s.exec(full);
    if (m?.[1]) out.push({ line: start, keyword: m[1].toUpperCase(), args: (m[2] ?? '').trim() });
  }
  if (pending.trim() !== '') {
    const m = /^(\S+)\s*(.*)$/s.exec(pending.trim());
    if (m?.[1]) out.push({ line: start, keyword: m[1].toUpperCase(), args: (m[2] ?? '').trim() });
  }
  return out;
}

/** `${NAME}`, `$NAME`, `${NAME:-default}` and `${NAME:+alt}` against `scope`; unknown names become "". */
export function substitute(value: string, scope: ReadonlyMap<string, string>): string {
  return value.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_m, braced: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
      const name = (braced ?? bare) as string;
      const set = scope.get(name);
      if (op === '-') return set === undefined || set === '' ? (word ?? '') : set;
      if (op === '+') return set === undefined || set === '' ? '' : (word ?? '');
      return set ?? '';
    },
  );
}

function parseArg(args: string): Array<[string, string | undefined]> {
  return args
    .split(/\s+/)
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return [pair, undefined];
      return [
        pair.slice(0, eq),
        pair
          .slice(eq + 1)
          .replace(/^"(.*)"$/, '$1')
          .replace(/^'(.*)'$/, '$1'),
      ];
    });
}

/** What is wrong with a Dockerfile as a fragment ("line 3: FROM without an image"); pre-flight makes the sentence. */
export class DockerfileSyntaxError extends BuildError {
  constructor(message: string) {
    super('DOCKERFILE_SYNTAX', message);
  }
}

/** The stages of a Dockerfile; throws DockerfileSyntaxError for an instruction before FROM or a FROM without image. */
export function parseStages(text: string, buildArgs: ReadonlyMap<string, string>): Stage[] {
  const globals = new Map<string, string>();
  const stages: Stage[] = [];
  for (const ins of parseInstructions(text)) {
    if (ins.keyword === 'ARG' && stages.length === 0) {
      for (const [name, def] of parseArg(ins.args)) {
        const value = buildArgs.get(name) ?? (def === undefined ? undefined : substitute(def, globals));
        if (value !== undefined) globals.set(name, value);
      }
      continue;
    }
    if (ins.keyword === 'FROM') {
      const words = ins.args.split(/\s+/).filter(Boolean);
      const flags = words.filter((w) => w.startsWith('--'));
      const rest = words.filter((w) => !w.startsWith('--'));
      if (!rest[0]) throw new DockerfileSyntaxError(`line ${ins.line}: FROM without an image`);
      const asIndex = rest.findIndex((w) => w.toUpperCase() === 'AS');
      const platform = flags.find((f) => f.startsWith('--platform='));
      stages.push({
        index: stages.length,
        line: ins.line,
        base: substitute(rest[0], globals),
        name: asIndex > 0 ? ((rest[asIndex + 1] ?? null)?.toLowerCase() ?? null) : null,
        platformFlag: platform ? platform.slice('--platform='.length) : null,
      });
      continue;
    }
    if (stages.length === 0 && ins.keyword !== 'ARG') {
      throw new DockerfileSyntaxError(`line ${ins.line}: ${ins.keyword} comes before the first FROM`);
    }
  }
  if (stages.length === 0) throw new DockerfileSyntaxError('it has no FROM instruction');
  return stages;
}

/** Every stage or image an instruction reads through `--from=` (COPY) or `--mount=…,from=` (RUN). */
export function fromReferences(args: string): string[] {
  return [...args.matchAll(/(?:--from=|--mount=\S*?\bfrom=)([^\s,]+)/g)].map((m) => m[1] as string);
}

/**
 * The stages a build of `target` (or of the last stage) needs, in order: the target and every stage it
 * depends on through FROM, COPY --from and RUN --mount=…,from=.
 */
export function stagesNeeded(text: string, stages: Stage[], target: string | null): Stage[] {
  const byName = new Map(stages.flatMap((s) => [[String(s.index), s], ...(s.name ? [[s.name, s] as const] : [])]));
  const last = target === null ? stages[stages.length - 1] : byName.get(target.toLowerCase());
  if (!last) return [];
  const copyFrom = new Map<number, string[]>();
  let current = -1;
  for (const ins of parseInstructions(text)) {
    if (ins.keyword === 'FROM') current++;
    const from = ins.keyword === 'COPY' || ins.keyword === 'RUN' ? fromReferences(ins.args) : [];
    if (current >= 0 && from.length > 0) copyFrom.set(current, [...(copyFrom.get(current) ?? []), ...from]);
  }
  const needed = new Set<number>();
  const visit = (s: Stage) => {
    if (needed.has(s.index)) return;
    needed.add(s.index);
    const deps = [s.base, ...(copyFrom.get(s.index) ?? [])];
    for (const d of deps) {
      const dep = byName.get(d.toLowerCase());
      if (dep && dep.index < s.index) visit(dep);
    }
  };
  visit(last);
  return stages.filter((s) => needed.has(s.index));
}
