import type { LogRepo } from '../app/ports/log-repo.js';
import { ConflictError } from '../domain/errors.js';
import { guarded, type RepoContext } from './rows.js';

/** Log lines keyed by (action execution, seq); a batch re-sent at the same offset overwrites nothing. */
export function createLogRepo(ctx: RepoContext): LogRepo {
  const { db } = ctx;
  // Seqs are contiguous from 0 (append refuses a gap), so the count is the last seq + 1: one probe of the
  // primary key instead of a scan of the whole log on every append.
  const count = async (id: number) => {
    const row = await db
      .selectFrom('log_lines')
      .select((eb) => eb.fn.max('seq').as('last'))
      .where('action_execution_id', '=', id)
      .executeTakeFirst();
    return row?.last == null ? 0 : Number(row.last) + 1;
  };
  const insert = async (id: number, start: number, lines: string[]) => {
    // In chunks: SQLite limits bound parameters per statement.
    for (let i = 0; i < lines.length; i += 200) {
      // A resend racing the first send may have written these seqs already: the first one's lines stay.
      await db
        .insertInto('log_lines')
        .values(lines.slice(i, i + 200).map((line, j) => ({ action_execution_id: id, seq: start + i + j, line })))
        .onConflict((oc) => oc.columns(['action_execution_id', 'seq']).doNothing())
        .execute();
    }
  };
  return {
    appendAtEnd: (id, lines) =>
      guarded(ctx, 'append log lines', async () => {
        if (ctx.dialect.rowLocks)
          await db.selectFrom('action_executions').select('id').where('id', '=', id).forUpdate().execute();
        const start = await count(id);
        await insert(id, start, lines);
        return start + lines.length;
      }),
    append: (id, offset, lines) =>
      guarded(ctx, 'append log lines', async () => {
        const have = await count(id);
        if (offset > have)
          throw new ConflictError(
            `Log offset ${offset} is past the end of the log (${have} lines); resend from ${have}.`,
          );
        const fresh = lines.slice(have - offset);
        await insert(id, have, fresh);
        return have + fresh.length;
      }),
    read: (id, offset, limit) =>
      guarded(ctx, 'read log lines', async () =>
        (
          await db
            .selectFrom('log_lines')
            .select('line')
            .where('action_execution_id', '=', id)
            .where('seq', '>=', offset)
            .orderBy('seq')
            .limit(limit)
            .execute()
        ).map((r) => r.line),
      ),
    count: (id) => guarded(ctx, 'count log lines', () => count(id)),
  };
}
