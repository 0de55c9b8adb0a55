import type { PlatformReport } from '../domain/agent-platforms.js';
import { AppError } from '../domain/errors.js';
import type { JobSpec } from '../domain/job-spec.js';
import type { PlatformImage } from '../domain/platform-image.js';

/** The server's answer to a hello: what routing will use for this agent (its `platform=` labels win). */
export interface HelloAnswer {
  id: string;
  name: string;
  host_platform: string | null;
  native_platforms: string[];
  emulated_platforms: string[];
}

export interface ClaimedJob {
  jobId: number;
  attempt: number;
  spec: JobSpec;
  /** This agent's name as the server knows it (older servers do not send it). */
  agentName?: string;
}

/** The server answered a protocol call with an error; `serverStatus` is its HTTP status (409: a stale attempt). */
export class AgentProtocolError extends AppError {
  constructor(
    message: string,
    readonly serverStatus: number,
  ) {
    super('AGENT_PROTOCOL', message);
  }
}

/** The agent's side of the agent protocol, over HTTP with the agent's bearer token. Stateless; safe to share. */
export function createAgentClient(opts: { server: string; token: string; claimTimeoutMs?: number }) {
  const base = opts.server.replace(/\/+$/, '');
  async function post<T>(
    path: string,
    body: unknown,
    timeoutMs = 30_000,
    signal?: AbortSignal,
  ): Promise<T | undefined> {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
    });
    if (res.status === 204) return undefined;
    const text = await res.text();
    if (!res.ok) {
      let message = text;
      try {
        message = (JSON.parse(text) as { errors?: Array<{ message: string }> }).errors?.[0]?.message ?? text;
      } catch {
        /* not JSON */
      }
      throw new AgentProtocolError(`${path}: ${res.status} ${message}`, res.status);
    }
    return JSON.parse(text) as T;
  }
  return {
    hello: async (platforms: PlatformReport, signal?: AbortSignal) =>
      (await post<HelloAnswer>(
        '/agent/v1/hello',
        {
          host_platform: platforms.hostPlatform,
          native_platforms: platforms.native,
          emulated_platforms: platforms.emulated,
        },
        10_000,
        signal,
      ))!,
    claim: (signal?: AbortSignal) =>
      post<ClaimedJob>('/agent/v1/jobs/claim', {}, opts.claimTimeoutMs ?? 40_000, signal),
    heartbeat: async (jobId: number, attempt: number, progress?: number) =>
      (await post<{ cancel: boolean }>(`/agent/v1/jobs/${jobId}/heartbeat`, { attempt, progress })) ?? {
        cancel: false,
      },
    logs: async (jobId: number, attempt: number, offset: number, lines: string[]) =>
      (await post<{ next: number }>(`/agent/v1/jobs/${jobId}/logs`, { attempt, offset, lines }))?.next ??
      offset + lines.length,
    finish: (
      jobId: number,
      attempt: number,
      status: 'SUCCESSFUL' | 'FAILED' | 'TERMINATED',
      error: string | null,
      result: PlatformImage | null = null,
    ) => post<void>(`/agent/v1/jobs/${jobId}/finish`, { attempt, status, error, ...(result && { result }) }),
  };
}
export type AgentClient = ReturnType<typeof createAgentClient>;
