import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKyselyStore } from '../store.js';
import { createSqliteDialect } from './sqlite.js';
import type { DialectAdapter } from '../dialect.js';

describe('SQLite change tracking', () => {
  let dir: string;
  let dialect: DialectAdapter;
  const stamp = (...tables: string[]) => dialect.changes!.stamp(tables);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'archway-changes-'));
    dialect = createSqliteDialect({ file: join(dir, 'archway.db') });
    await createKyselyStore(dialect); // migrated
  });
  afterEach(async () => {
    await dialect.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts an insert or update for its own table only, and reads for none', async () => {
    const before = { users: stamp('users'), tokens: stamp('tokens') };
    await dialect.db.insertInto('users').values({ name: 'a', email: 'a@example.com', created_at: new Date().toISOString() }).execute();
    expect(stamp('users')).toBeGreaterThan(before.users);
    expect(stamp('tokens')).toBe(before.tokens);
    const afterInsert = stamp('users');
    await dialect.db.selectFrom('users').selectAll().execute();
    expect(stamp('users')).toBe(afterInsert);
    await dialect.db.updateTable('users').set({ name: 'b' }).execute();
    expect(stamp('users')).toBeGreaterThan(afterInsert);
    expect(stamp('tokens')).toBe(before.tokens);
  });

  it('counts a delete, DDL or raw write for every table (a delete cascades)', async () => {
    let tokens = stamp('tokens');
    await dialect.db.deleteFrom('workspaces').execute();
    expect(stamp('tokens')).toBeGreaterThan(tokens);
    tokens = stamp('tokens');
    await dialect.db.schema.createTable('scratch').addColumn('id', 'integer').execute();
    expect(stamp('tokens')).toBeGreaterThan(tokens);
  });

  it('counts a write that fails half-way, and one inside a transaction before it commits', async () => {
    const users = stamp('users');
    await dialect.db.transaction().execute(async (trx) => {
      await trx.insertInto('users').values({ name: 'a', email: 'a@example.com', created_at: new Date().toISOString() }).execute();
      expect(stamp('users')).toBeGreaterThan(users);
    });
    const now = stamp('users');
    await expect(dialect.db.insertInto('users').values({ name: null as unknown as string, email: 'x', created_at: 'x' }).execute()).rejects.toThrow();
    expect(stamp('users')).toBeGreaterThan(now);
  });

  it('sees a commit by another connection (another process on the same file) as a change to every table', () => {
    const users = stamp('users');
    expect(stamp('users')).toBe(users);
    const other = new Database(join(dir, 'archway.db'));
    try {
      other.prepare("insert into users (name, email, created_at) values ('cli', 'cli@example.com', 'now')").run();
    } finally {
      other.close();
    }
    expect(stamp('users')).toBeGreaterThan(users);
    expect(stamp('users')).toBe(stamp('users'));
  });
});
