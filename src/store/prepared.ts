import { createQueryId, type Compilable, type CompiledQuery, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Stands for a named parameter while the query is compiled; replaced by its value on every run. */
class Slot {
  constructor(readonly name: string) {}
}

type Slots<P> = { readonly [K in keyof P]: P[K] };

/**
 * A query built and compiled once, then run with new parameter values. Kysely otherwise rebuilds and
 * recompiles the whole query tree on every call: ~2 µs for a one-table lookup, but 25 µs for the path
 * lookup's four joined tables and their 46 aliased columns (measured, Node 20). The SQL text depends only on
 * the dialect, so one compilation per dialect (its adapter's class: SQLite's `?`, PostgreSQL's `$1`) serves
 * every store of it and every transaction bound to one; a process with stores of both dialects (the test
 * suites) gets each its own.
 *
 * `build` receives stand-ins for the parameters; use them only as values (`where(col, '=', p.name)`), never
 * in a way that changes the SQL's shape (an `in` list, a conditional clause).
 */
export function prepared<P extends Record<string, unknown>, R>(
  build: (db: Kysely<Database>, params: Slots<P>) => Compilable<R>,
) {
  const templates = new Map<unknown, CompiledQuery<R>>();
  return async (db: Kysely<Database>, values: P): Promise<R[]> => {
    const dialect = db.getExecutor().adapter.constructor;
    let template = templates.get(dialect);
    if (!template) {
      const slots = new Proxy({}, { get: (_target, name) => new Slot(String(name)) }) as Slots<P>;
      template = build(db, slots).compile();
      templates.set(dialect, template);
    }
    const parameters = template.parameters.map((value) => (value instanceof Slot ? values[value.name] : value));
    const result = await db.executeQuery<R>({ ...template, parameters, queryId: createQueryId() });
    return result.rows;
  };
}
