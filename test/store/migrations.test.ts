import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { DialectAdapter } from '../../src/store/dialect.js';
import { createPostgresDialect } from '../../src/store/dialects/postgres.js';
import { createSqliteDialect } from '../../src/store/dialects/sqlite.js';
import { migrateTo, migrateToLatest } from '../../src/store/migrate.js';
import { startPostgres } from '../support/postgres.js';

/** Migrations over data an older version wrote, on both dialects (a real SQLite file, a throw-away PostgreSQL). */
const postgres = await startPostgres();
afterAll(() => postgres?.stop());

const dialects: [string, () => Promise<{ dialect: DialectAdapter; cleanup: () => Promise<void> }>][] = [
  [
    'SQLite',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'archway-migrate-'));
      const dialect = createSqliteDialect({ file: join(dir, 'archway.db') });
      return { dialect, cleanup: async () => (await dialect.close(), rmSync(dir, { recursive: true, force: true })) };
    },
  ],
];
if (postgres)
  dialects.push([
    'PostgreSQL',
    async () => {
      const database = await postgres.freshDatabase();
      const dialect = createPostgresDialect({ connectionString: database.url, maxConnections: 2 });
      return { dialect, cleanup: async () => (await dialect.close(), await database.drop()) };
    },
  ]);

describe.each(dialects)('migrations on %s', (_name, open) => {
  it('0009 keeps the refs 0008 recorded, each counted as moved once, and lets a deleted ref keep its row', async () => {
    const { dialect, cleanup } = await open();
    try {
      await migrateTo(dialect, '0008-triggers');
      const db = dialect.db;
      const at = '2030-01-01T00:00:00.000Z';
      await sql`insert into users (name, email, created_at) values ('ann', 'ann@example.com', ${at})`.execute(db);
      await sql`insert into workspaces (domain, name, owner_id, created_at) values ('ws', 'WS', 1, ${at})`.execute(db);
      const project = await sql<{ id: number }>`insert into projects
        (workspace_id, name, display_name, status, access, created_at, created_by, default_branch, settings)
        values (1, 'p', 'P', 'ACTIVE', 'PRIVATE', ${at}, 1, 'main', '{}') returning id`.execute(db);
      const projectId = project.rows[0]!.id;
      await sql`insert into git_refs (project_id, ref, sha) values (${projectId}, 'refs/heads/main', ${'a'.repeat(40)})`.execute(
        db,
      );

      await migrateToLatest(dialect);
      const rows = await db.selectFrom('git_refs').selectAll().execute();
      expect(rows).toEqual([{ project_id: projectId, ref: 'refs/heads/main', sha: 'a'.repeat(40), moves: 1 }]);
      await db.updateTable('git_refs').set({ sha: null, moves: 2 }).execute();
      expect((await db.selectFrom('git_refs').select('sha').executeTakeFirstOrThrow()).sha).toBeNull();
    } finally {
      await cleanup();
    }
  });
});
