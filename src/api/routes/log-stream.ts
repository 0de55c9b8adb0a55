import { Type } from 'typebox';
import { logTopic } from '../../app/agent-jobs.js';
import { executionTopic } from '../../app/orchestrator.js';
import { FINISHED_ACTION } from '../../domain/execution.js';
import { callerOf } from '../auth.js';
import { Id, Int, LIMITS } from '../buddy-json/limits.js';
import { errorResponses, PipelineParams, type App, type RouteDeps } from './deps.js';

const BATCH = 1000;

/**
 * Live log of one action execution as server-sent events: every line is an event whose id is its line number,
 * so a reconnecting EventSource resumes with Last-Event-ID; `event: end` closes the stream when the action is done.
 */
export function logStreamRoutes(app: App, { useCases, closing }: RouteDeps): void {
  const Params = Type.Object({
    ...PipelineParams.properties,
    execution_id: Id(),
    hex_id: Type.String({ pattern: '^[0-9a-f]{24}$', maxLength: 24 }),
  });
  app.get(
    '/workspaces/:domain/projects/:project_name/pipelines/:pipeline_id/executions/:execution_id/action_executions/:hex_id/stream',
    {
      schema: {
        tags: ['Executions'],
        summary: 'Live log (server-sent events)',
        params: Params,
        querystring: Type.Object({ offset: Type.Optional(Int(0)) }),
        response: errorResponses,
      },
      config: { scope: 'EXECUTION_INFO' },
    },
    async (req, reply) => {
      const { domain, project_name, pipeline_id, execution_id, hex_id } = req.params;
      const caller = callerOf(req);
      const lastId = Number(req.headers['last-event-id']);
      // Last-Event-ID is a header, unchecked by the schema: a line number, or ignored.
      const resume = Number.isInteger(lastId) && lastId >= -1 && lastId < LIMITS.int;
      let offset = resume ? lastId + 1 : (req.query.offset ?? 0);
      const read = () =>
        useCases.executions.actionExecution(
          caller,
          domain,
          project_name,
          pipeline_id,
          execution_id,
          { hexId: hex_id },
          { offset, limit: BATCH },
        );
      const first = await read(); // 404s before any byte of the stream is sent
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.flushHeaders(); // a log with no line yet would otherwise hold the client's headers until the first write
      const closed = new AbortController();
      res.on('close', () => closed.abort()); // the response's close: a request's fires once its (empty) body is read
      const onClosing = () => closed.abort();
      closing.addEventListener('abort', onClosing, { once: true });
      const wake = new EventTarget();
      const poke = () => wake.dispatchEvent(new Event('poke'));
      const unsubscribe = [
        useCases.notifier.subscribe(logTopic(first.actionExecution.id), poke),
        useCases.notifier.subscribe(executionTopic(execution_id), poke),
      ];
      try {
        let current = first;
        for (;;) {
          for (const line of current.log) res.write(`id: ${offset++}\ndata: ${JSON.stringify(line)}\n\n`);
          if (current.log.length === BATCH) {
            current = await read();
            continue;
          }
          if (FINISHED_ACTION.includes(current.actionExecution.status) && offset >= current.total) {
            res.write(`event: end\ndata: ${JSON.stringify({ status: current.actionExecution.status })}\n\n`);
            break;
          }
          // An 'abort' listener added to an aborted signal never fires: a close that came meanwhile is checked first.
          if (!closed.signal.aborted)
            await new Promise<void>((resolve) => {
              const done = () => {
                clearTimeout(timer);
                wake.removeEventListener('poke', done);
                closed.signal.removeEventListener('abort', done);
                resolve();
              };
              const timer = setTimeout(done, 15_000);
              wake.addEventListener('poke', done);
              closed.signal.addEventListener('abort', done);
            });
          if (closing.aborted) {
            // The server is shutting down: an EventSource reconnects (after `retry` ms, with Last-Event-ID) to a
            // replica that is not; `event: reconnect` says so to clients that read the stream by hand.
            res.write(`retry: 1000\nevent: reconnect\ndata: ${JSON.stringify({ offset })}\n\n`);
            break;
          }
          if (closed.signal.aborted) break;
          res.write(': keep-alive\n\n');
          current = await read();
        }
      } finally {
        closing.removeEventListener('abort', onClosing);
        for (const u of unsubscribe) u();
        res.end();
      }
    },
  );
}
