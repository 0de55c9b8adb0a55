/**
 * Wake-ups ("a job was queued", "log lines arrived"). Lifecycle: lives as long as the server. Concurrency: any
 * number of publishers and waiters. Failure: delivery is best effort (the memory notifier is local to one
 * process), never throws; waiters always re-check the store after waking and poll as a safety net.
 */
export interface Notifier {
  publish(topic: string): void;
  /** Resolves true when `topic` is published before `ms` pass or the signal aborts (then false). */
  wait(topic: string, ms: number, signal?: AbortSignal): Promise<boolean>;
  subscribe(topic: string, listener: () => void): () => void;
}
