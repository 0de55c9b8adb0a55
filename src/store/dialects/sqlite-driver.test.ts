import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKyselyStore } from '../store.js';
import { createSqliteDialect } from './sqlite.js';
import type { DialectAdapter } from '../dialect.js';

describe('SQLite change tracking', () => {
  let dir: string;
  let dialect: DialectAdapter;
  const stamp = (...tables: string[]): number => {
    const value = dialect.changes!.stamp(tables);
    if (value === undefined) throw new Error('no stamp: a transaction is open');
    return value;
  };

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
    await dialect.db
      .insertInto('users')
      .values({ name: 'a', email: 'a@example.com', created_at: new Date().toISOString() })
      .execute();
    expect(stamp('users')).toBeGreaterThan(before.users);
    expect(stamp('tokens')).toBe(before.tokens);
    const afterInsert = stamp('users');
    await dialect.db.selectFrom('users').selectAll().execute();
    expect(stamp('users')).toBe(afterInsert);
    await dialect.db.updateTable('users').set({ name: 'b' }).execute();
    expect(stamp('users')).toBeGreaterThan(afterInsert);
    expect(stamp('tokens')).toBe(before.tokens);
  });

  it('counts a delete, an insert or replace, DDL or raw write for every table (a delete cascades)', async () => {
    let tokens = stamp('tokens');
    await dialect.db.deleteFrom('workspaces').execute();
    expect(stamp('tokens')).toBeGreaterThan(tokens);
    tokens = stamp('tokens');
    await sql`insert or replace into "users" (id, name, email, created_at) values (1, 'a', 'a@example.com', 'now')`.execute(
      dialect.db,
    );
    expect(stamp('tokens')).toBeGreaterThan(tokens);
    tokens = stamp('tokens');
    await sql`insert or ignore into "users" (id, name, email, created_at) values (1, 'a', 'a@example.com', 'now')`.execute(
      dialect.db,
    );
    expect(stamp('tokens')).toBe(tokens);
    tokens = stamp('tokens');
    await dialect.db.schema.createTable('scratch').addColumn('id', 'integer').execute();
    expect(stamp('tokens')).toBeGreaterThan(tokens);
  });

  it('counts a write that fails half-way, and one inside a transaction (it has no stamp while the transaction is open)', async () => {
    const users = stamp('users');
    await dialect.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('users')
        .values({ name: 'a', email: 'a@example.com', created_at: new Date().toISOString() })
        .execute();
      expect(dialect.changes!.stamp(['users'])).toBeUndefined();
    });
    expect(stamp('users')).toBeGreaterThan(users);
    const now = stamp('users');
    await expect(
      dialect.db
        .insertInto('users')
        .values({ name: null as unknown as string, email: 'x', created_at: 'x' })
        .execute(),
    ).rejects.toThrow();
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

  it("lets a transaction whose first write comes after an attempted stamp and another process's commit go through", async () => {
    const store = await createKyselyStore(dialect);
    const other = new Database(join(dir, 'archway.db'));
    try {
      const user = await store.users.create({ name: 'u', email: 'u@example.com' });
      await store.transaction(async (tx) => {
        dialect.changes!.stamp(['users']); // a concurrent request's path lookup (a PRAGMA here would pin the snapshot)
        other.prepare("insert into users (name, email, created_at) values ('cli', 'cli@example.com', 'now')").run();
        await tx.workspaces.create({ domain: 'd', name: 'n', ownerId: user.id, frozen: false });
      });
      expect((await store.workspaces.byDomain('d'))?.name).toBe('n');
    } finally {
      other.close();
    }
  });

  it("serves a path read that starts while a transaction is open from the database once it ends, with another process's commit in it", async () => {
    const store = await createKyselyStore(dialect);
    const other = new Database(join(dir, 'archway.db'));
    try {
      const user = await store.users.create({ name: 'u', email: 'u@example.com' });
      const workspace = await store.workspaces.create({ domain: 'd', name: 'before', ownerId: user.id, frozen: false });
      expect((await store.paths.resolve({ domain: 'd' })).workspace?.name).toBe('before'); // cached
      let release!: () => void;
      const open = store.transaction(async (tx) => {
        await tx.users.byId(user.id);
        await new Promise<void>((resolve) => (release = resolve));
      });
      await new Promise((resolve) => setTimeout(resolve, 10));
      other.prepare("update workspaces set name = 'after' where id = ?").run(workspace.id);
      const during = store.paths.resolve({ domain: 'd' });
      release();
      await open;
      expect((await during).workspace?.name).toBe('after');
    } finally {
      other.close();
    }
  });
});
