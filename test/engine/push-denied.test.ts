import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildError } from '../../src/domain/errors.js';
import { createBuildahEngine } from '../../src/engine/buildah/buildah-engine.js';
import type { LocalRegistry } from '../../src/registry-server/local-registry.js';
import { ensureBusyboxBase } from '../support/busybox-base.js';
import { startOpenRegistry } from '../support/registry.js';
import { makeRepo, specFor } from './helpers.js';

/**
 * A registry that lets this account read but not push (what Docker Hub answers for a repository of another
 * namespace): a loopback proxy in front of the real registry answers blob uploads with 403 DENIED.
 */
function denyPushes(upstream: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD' && /\/blobs\/uploads\/?/.test(req.url ?? '')) {
      res.writeHead(403, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' });
      res.end(JSON.stringify({ errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] }));
      return;
    }
    const [host, port] = upstream.split(':');
    const forward = request(
      { host, port: Number(port), method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    req.pipe(forward);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('push denied', () => {
  let work: string;
  let registry: LocalRegistry;
  let proxy: Server;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'archway-denied-'));
    registry = await startOpenRegistry(join(work, 'registry'));
    await ensureBusyboxBase(registry.host);
    proxy = await denyPushes(registry.host);
  });
  afterAll(async () => {
    proxy?.close();
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('says the account may not push to the repository', async () => {
    const host = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const engine = createBuildahEngine({
      dir: join(work, 'engine'),
      access: { insecure: [host, registry.host], caDir: null },
    });
    const root = makeRepo({ Dockerfile: `FROM ${registry.host}/library/busybox:latest\nRUN echo x > /x\n` });
    const error = await engine
      .build(specFor(root, host, { repository: 'other-team/app' }), () => undefined)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BuildError);
    expect((error as BuildError).reason, (error as Error).message).toBe('PUSH_DENIED');
    expect((error as BuildError).message).toMatch(
      new RegExp(
        `^Pushing ${host}/other-team/app:latest: the registry denied access .*may not push to this repository`,
      ),
    );
    rmSync(root, { recursive: true, force: true });
  });
});
