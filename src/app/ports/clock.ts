/**
 * The time. Lifecycle: one per process, stateless. Concurrency: any caller at any time. Failure: never throws.
 */
export interface Clock {
  now(): Date;
}
