import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

/**
 * Closes keep-alive connections that carry no request once close() begins, and each busy one as its last response
 * is sent, so a replica told to stop is gone when its in-flight requests are. Node 20's own `server.close()` misses
 * some: after a client aborted a request whose handler was still waiting (an agent's long-poll claim, hung up), the
 * next idle keep-alive connection was never counted idle and close() waited for the client to drop it (Node's
 * fetch: 4 s; half the stops in test/scaled/crash-points.suite.ts used up their 10 s grace; reproduced with Fastify
 * alone).
 */
export function closeIdleConnectionsOnClose(app: FastifyInstance): void {
  const sockets = new Set<Socket>();
  const inFlight = new WeakMap<Socket, number>();
  let closing = false;
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  app.addHook('onRequest', async (req) => {
    inFlight.set(req.raw.socket, (inFlight.get(req.raw.socket) ?? 0) + 1);
  });
  app.addHook('onResponse', async (req) => {
    const left = (inFlight.get(req.raw.socket) ?? 1) - 1;
    inFlight.set(req.raw.socket, left);
    if (closing && left === 0) req.raw.socket.end();
  });
  app.addHook('preClose', async () => {
    closing = true;
    for (const socket of sockets) if (!inFlight.get(socket)) socket.destroy();
  });
}
