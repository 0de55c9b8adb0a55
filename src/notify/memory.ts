import { EventEmitter } from 'node:events';
import type { Notifier } from '../app/ports/notifier.js';

/** The embedded Notifier: an EventEmitter in this process (a PostgreSQL LISTEN/NOTIFY one is future work). */
export function createMemoryNotifier(): Notifier {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0); // one listener per long-poll or log stream; they come and go
  return {
    publish: (topic) => void emitter.emit(topic),
    subscribe(topic, listener) {
      emitter.on(topic, listener);
      return () => void emitter.off(topic, listener);
    },
    wait(topic, ms, signal) {
      // An 'abort' listener added to an aborted signal never fires: without this the wait ran its whole time.
      if (signal?.aborted) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        const done = (result: boolean) => {
          clearTimeout(timer);
          emitter.off(topic, onTopic);
          signal?.removeEventListener('abort', onAbort);
          resolve(result);
        };
        const onTopic = () => done(true);
        const onAbort = () => done(false);
        const timer = setTimeout(() => done(false), ms);
        emitter.once(topic, onTopic);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}
