import { describe, expect, it } from 'vitest';
import type { AgentClient } from './http-client.js';
import { createLogShipper } from './log-shipper.js';

describe('log shipper', () => {
  it('masks every line before it leaves the agent, also a URL-encoded password', async () => {
    const password = 'p@ss/w:rd';
    const sent: string[] = [];
    const client = {
      logs: async (_jobId: number, _attempt: number, offset: number, lines: string[]) => {
        sent.push(...lines);
        return offset + lines.length;
      },
    } as unknown as AgentClient;
    const shipper = createLogShipper(client, 1, 1, [password]);
    shipper.line(`cloning https://example.com/r.git?token=${encodeURIComponent(password)}`);
    shipper.line(`plain ${password}\nsecond line`);
    await shipper.close();
    expect(sent).toEqual(['cloning https://example.com/r.git?token=***', 'plain ***', 'second line']);
  });
});
