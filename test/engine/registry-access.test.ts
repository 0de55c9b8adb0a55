import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildError } from '../../src/domain/errors.js';
import { createBuildahEngine } from '../../src/engine/buildah/buildah-engine.js';
import type { LocalRegistry } from '../../src/registry-server/local-registry.js';
import { ensureBusyboxBase } from '../support/busybox-base.js';
import { startAuthRegistry, startTlsRegistry, type AuthRegistry, type TlsRegistry } from '../support/registry.js';
import { collect, makeRepo, specFor } from './helpers.js';

/** Pushing to registries with htpasswd (bcrypt) and with TLS from a generated CA, as a user configures them. */
describe('registries with credentials and TLS', () => {
  let work: string;
  let auth: AuthRegistry;
  let tls: TlsRegistry;
  const creds = { user: 'builder', password: 'pw-Ünïcode-$HOME-"quoted"' };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'archway-regs-'));
    auth = await startAuthRegistry(join(work, 'auth'), creds);
    tls = await startTlsRegistry(join(work, 'tls'), creds);
    await ensureBusyboxBase(auth.host, { authFile: auth.authFile });
    await ensureBusyboxBase(tls.host, { authFile: tls.authFile, certDir: tls.certDir });
  });
  afterAll(async () => {
    for (const r of [auth, tls] as LocalRegistry[]) await r?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('pulls its base from and pushes to an htpasswd registry with login/password', async () => {
    const engine = createBuildahEngine({ dir: join(work, 'e1'), access: { insecure: [auth.host], caDir: null } });
    const root = makeRepo({ Dockerfile: `FROM ${auth.host}/library/busybox:latest\nRUN echo built > /x\n` });
    const seen = collect();
    const result = await engine.build(
      specFor(root, auth.host, {
        platforms: ['linux/amd64', 'linux/arm64'],
        credentials: { username: creds.user, password: creds.password },
      }),
      seen.on,
    );
    expect(result.platforms.map((p) => p.platform)).toEqual(['linux/amd64', 'linux/arm64']);
    expect(result.indexDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(JSON.stringify(seen.events)).not.toContain(creds.password);
    rmSync(root, { recursive: true, force: true });
  });

  it('a wrong password fails at login, before the build, with a sentence', async () => {
    const engine = createBuildahEngine({ dir: join(work, 'e2'), access: { insecure: [auth.host], caDir: null } });
    const root = makeRepo({ Dockerfile: `FROM ${auth.host}/library/busybox:latest\n` });
    const started = Date.now();
    const seen = collect();
    const error = await engine
      .build(specFor(root, auth.host, { credentials: { username: creds.user, password: 'wrong' } }), seen.on)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BuildError);
    expect((error as BuildError).reason).toBe('AUTH_FAILED');
    expect((error as BuildError).message).toMatch(/rejected the credentials/);
    expect(seen.events.some((e) => e.type === 'platform-started')).toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000);
    rmSync(root, { recursive: true, force: true });
  });

  it('no credentials for a registry that wants them', async () => {
    const engine = createBuildahEngine({ dir: join(work, 'e3'), access: { insecure: [auth.host], caDir: null } });
    const root = makeRepo({ Dockerfile: 'FROM scratch\nCOPY Dockerfile /\n' });
    const error = await engine.build(specFor(root, auth.host), () => undefined).catch((e: BuildError) => e);
    expect((error as BuildError).reason).toBe('AUTH_FAILED');
    rmSync(root, { recursive: true, force: true });
  });

  it('a TLS registry: trusted through ARCHWAY_REGISTRY_CA_DIR, refused with a sentence without it', async () => {
    const root = makeRepo({ Dockerfile: `FROM ${tls.host}/library/busybox:latest\nRUN echo tls > /x\n` });
    const credentials = { username: creds.user, password: creds.password };
    const trusted = createBuildahEngine({ dir: join(work, 'e4'), access: { insecure: [], caDir: tls.caDir } });
    const ok = await trusted.build(specFor(root, tls.host, { credentials }), () => undefined);
    expect(ok.references[0]).toMatch(new RegExp(`^${tls.host}/t/`));
    const untrusted = createBuildahEngine({ dir: join(work, 'e5'), access: { insecure: [], caDir: null } });
    const error = await untrusted
      .build(specFor(root, tls.host, { credentials }), () => undefined)
      .catch((e: BuildError) => e);
    expect((error as BuildError).reason).toBe('TLS_UNTRUSTED');
    expect((error as BuildError).message).toMatch(/certificate .* not trusted .*ARCHWAY_REGISTRY_CA_DIR/);
    rmSync(root, { recursive: true, force: true });
  });
});
