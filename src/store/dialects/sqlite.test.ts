import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createSqliteDialect } from './sqlite.js';

describe('the SQLite file', () => {
  it('is readable by its owner only, and so are its WAL and shared-memory files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'archway-sqlite-mode-'));
    const dialect = createSqliteDialect({ file: join(dir, 'archway.db') });
    try {
      await sql`create table t (x text)`.execute(dialect.db);
      await sql`insert into t values ('row')`.execute(dialect.db);
      for (const f of ['archway.db', 'archway.db-wal', 'archway.db-shm'])
        expect((statSync(join(dir, f)).mode & 0o777).toString(8), f).toBe('600');
    } finally {
      await dialect.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
