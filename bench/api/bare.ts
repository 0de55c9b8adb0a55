import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { join } from 'node:path';

/**
 * The yardstick: a bare Fastify + better-sqlite3 server doing one insert (POST /actions) or one select
 * (GET /actions/:id) per request, no auth, no validation, same SQLite settings as Archway (WAL, synchronous=NORMAL).
 */
export async function startBare(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const db = new Database(join(dir, 'bare.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE actions (id INTEGER PRIMARY KEY AUTOINCREMENT, pipeline_id INTEGER NOT NULL, name TEXT NOT NULL,
    type TEXT NOT NULL, settings TEXT NOT NULL, created_at TEXT NOT NULL)`);
  const insert = db.prepare<[number, string, string, string, string], { id: number }>(
    'INSERT INTO actions (pipeline_id, name, type, settings, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id',
  );
  const select = db.prepare<[number], { id: number; name: string; type: string; settings: string }>(
    'SELECT * FROM actions WHERE id = ?',
  );

  const app = Fastify({ logger: false });
  app.post('/actions', async (req, reply) => {
    const body = req.body as { name: string; type: string };
    const row = insert.get(1, body.name, body.type, JSON.stringify(body), new Date().toISOString());
    return reply.status(201).send({ ...body, id: row?.id });
  });
  app.get<{ Params: { id: string } }>('/actions/:id', async (req, reply) => {
    const row = select.get(Number(req.params.id));
    if (!row) return reply.status(404).send({ errors: [{ message: 'not found' }] });
    return { ...JSON.parse(row.settings), id: row.id, name: row.name, type: row.type };
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    async close() {
      await app.close();
      db.close();
    },
  };
}
