import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BuildEvent, BuildSpec } from '../../app/ports/engine.js';
import { BuildError } from '../../domain/errors.js';
import { runEngineContract } from '../engine.contract.js';
import { createFakeEngine } from './fake-engine.js';

function spec(over: Partial<BuildSpec> = {}, args: Array<[string, string]> = []): BuildSpec {
  return {
    repoRoot: '/nonexistent',
    contextDir: '/nonexistent',
    dockerfile: '/nonexistent/Dockerfile',
    targetStage: null,
    buildArgs: args,
    secret: null,
    platforms: ['linux/amd64', 'linux/arm64'],
    registry: '127.0.0.1:5000',
    repository: `t/${Math.random().toString(36).slice(2, 8)}`,
    tags: ['latest', '1.0'],
    credentials: null,
    cache: { mode: 'none', key: null, clear: false },
    timeoutMs: null,
    ...over,
  };
}

runEngineContract('fake', async () => {
  const engine = createFakeEngine();
  return {
    engine,
    succeeding: () => spec(),
    failing: () => spec({}, [['FAKE_FAIL_AT', 'linux/arm64']]),
    hanging: () => spec({}, [['FAKE_HANG', '1']]),
    leftovers: async () => (engine.running > 0 ? [`${engine.running} builds running`] : []),
    timeoutMs: 1000,
    stopWithinMs: 200,
    close: async () => undefined,
  };
});

describe('the fake engine follows its directives', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const run = async (s: BuildSpec, engine = createFakeEngine()) => {
    const events: BuildEvent[] = [];
    const started = Date.now();
    const out = await engine.build(s, (e) => events.push(e)).catch((e: unknown) => e);
    return { out, events, ms: Date.now() - started, lines: events.flatMap((e) => (e.type === 'log' ? [e.line] : [])) };
  };

  it('matches the event order of the buildah engine: preflight, per platform started/steps/logs, pushed, verified, finished', async () => {
    const { events } = await run(
      spec({ tags: ['x'] }, [['FAKE_STEPS', '1']]),
      createFakeEngine({ native: 'linux/amd64' }),
    );
    expect(events.map((e) => `${e.type}${'platform' in e ? ` ${e.platform}` : ''}`)).toEqual([
      'preflight',
      'platform-started linux/amd64',
      'step linux/amd64',
      'log linux/amd64',
      'platform-started linux/arm64',
      'step linux/arm64',
      'log linux/arm64',
      'pushed',
      'verified',
      'platform-finished linux/amd64',
      'platform-finished linux/arm64',
    ]);
    expect(events.filter((e) => e.type === 'platform-started').map((e) => 'emulated' in e && e.emulated)).toEqual([
      false,
      true,
    ]);
  });

  it('gives the same digests for the same spec', async () => {
    const s = spec();
    const a = (await run(s)).out as { indexDigest: string };
    const b = (await run(s)).out as { indexDigest: string };
    expect(a.indexDigest).toBe(b.indexDigest);
    expect(((await run({ ...s, repository: 'other/repo' })).out as { indexDigest: string }).indexDigest).not.toBe(
      a.indexDigest,
    );
  });

  it('FAKE_FAIL_AT fails at a platform step, in pre-flight or at the push, with FAKE_FAIL_REASON', async () => {
    const step = await run(
      spec({}, [
        ['FAKE_FAIL_AT', 'linux/arm64:3'],
        ['FAKE_STEPS', '5'],
      ]),
    );
    expect(step.out).toBeInstanceOf(BuildError);
    expect((step.out as BuildError).reason).toBe('RUN_FAILED');
    expect((step.out as Error).message).toBe(
      'RUN step failed on linux/arm64 at step 3/5 (RUN fake step 3) with exit code 1.',
    );
    expect(step.events.filter((e) => e.type === 'step' && e.platform === 'linux/arm64')).toHaveLength(3);
    const pre = await run(spec({}, [['FAKE_FAIL_AT', 'preflight']]));
    expect((pre.out as BuildError).reason).toBe('BASE_IMAGE_NOT_FOUND');
    expect(pre.events.map((e) => e.type)).toEqual(['preflight']);
    const push = await run(
      spec({ repository: 'a/b' }, [
        ['FAKE_FAIL_AT', 'push'],
        ['FAKE_FAIL_REASON', 'REGISTRY_UNREACHABLE'],
      ]),
    );
    expect((push.out as BuildError).reason).toBe('REGISTRY_UNREACHABLE');
    expect((push.out as Error).message).toBe(
      'Pushing 127.0.0.1:5000/a/b:latest: registry 127.0.0.1:5000 is unreachable (dial tcp: connection refused).',
    );
    const denied = await run(spec({ repository: 'a/b' }, [['FAKE_FAIL_AT', 'push']]));
    expect((denied.out as Error).message).toMatch(/the account may not push to this repository\.$/);
  });

  it('FAKE_FAIL_TIMES fails the first builds of a repository only', async () => {
    const engine = createFakeEngine();
    const s = spec({}, [
      ['FAKE_FAIL_AT', 'push'],
      ['FAKE_FAIL_TIMES', '2'],
    ]);
    const outs = [await run(s, engine), await run(s, engine), await run(s, engine)].map((r) => r.out);
    expect(outs.map((o) => o instanceof BuildError)).toEqual([true, true, false]);
    expect((await run({ ...s, repository: 'fresh/one' }, engine)).out).toBeInstanceOf(BuildError);
  });

  it('FAKE_LOG_LINES and FAKE_SLEEP_MS spread lines over the time of each platform', async () => {
    const { lines, ms } = await run(
      spec({ platforms: ['linux/amd64'] }, [
        ['FAKE_LOG_LINES', '3'],
        ['FAKE_SLEEP_MS', '300'],
      ]),
    );
    expect(lines.filter((l) => l.startsWith('fake log'))).toEqual([
      'fake log line 1 of 3',
      'fake log line 2 of 3',
      'fake log line 3 of 3',
    ]);
    expect(ms).toBeGreaterThanOrEqual(290);
    expect((await run(spec({}, [['FAKE_SLEEP_MS', '150']]))).ms).toBeGreaterThanOrEqual(290); // per platform
  });

  it('FAKE_CAT logs a context file line by line, as a RUN cat would', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'archway-fake-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'secret.txt'), 'one\ntwo\n');
    const { lines } = await run(spec({ contextDir: dir, platforms: ['linux/amd64'] }, [['FAKE_CAT', 'secret.txt']]));
    expect(lines.filter((l) => l.startsWith('secret.txt'))).toEqual(['secret.txt: one', 'secret.txt: two']);
    const missing = await run(spec({ contextDir: dir }, [['FAKE_CAT', 'nope.txt']]));
    expect((missing.out as BuildError).reason).toBe('ENGINE_FAILED');
    expect((missing.out as Error).message).toMatch(/^The fake engine failed: ENOENT.*nope\.txt'\.$/);
  });

  it('asks for fresh credentials before the push', async () => {
    let asked = 0;
    const fresh = async () => (asked++, { username: 'u', password: 'p' });
    const { events } = await run(spec({ freshCredentials: fresh }));
    expect(asked).toBe(1);
    expect(events.map((e) => e.type)).toContain('pushed');
  });

  it('refuses directives it cannot follow with a sentence', async () => {
    const cases: Array<[Array<[string, string]>, RegExp]> = [
      [[['FAKE_FAIL', 'x']], /^The fake engine has no directive FAKE_FAIL \(it knows FAKE_FAIL_AT, /],
      [[['FAKE_SLEEP_MS', 'soon']], /FAKE_SLEEP_MS must be a count, not "soon"\.$/],
      [
        [['FAKE_FAIL_AT', 'linux/arm/v6']],
        /cannot fail at "linux\/arm\/v6" \(it can at preflight, push, linux\/amd64, linux\/arm64; steps 1 to 2\)\.$/,
      ],
      [[['FAKE_FAIL_AT', 'linux/amd64:3']], /cannot fail at "linux\/amd64:3"/],
      [
        [
          ['FAKE_FAIL_AT', 'push'],
          ['FAKE_FAIL_REASON', 'OOPS'],
        ],
        /knows no reason "OOPS"\.$/,
      ],
    ];
    for (const [args, message] of cases) {
      const { out, events } = await run(spec({}, args));
      expect((out as BuildError).reason, args.join()).toBe('ENGINE_FAILED');
      expect((out as Error).message).toMatch(message);
      expect(events).toEqual([]);
    }
  });

  it('counts cleanups and running builds', async () => {
    const engine = createFakeEngine();
    await engine.cleanup();
    expect(engine.cleanups).toBe(1);
    const cancel = new AbortController();
    const pending = engine.build(spec({ signal: cancel.signal }, [['FAKE_HANG', '1']]), () => undefined);
    expect(engine.running).toBe(1);
    cancel.abort();
    await expect(pending).rejects.toThrow('The build was cancelled.');
    expect(engine.running).toBe(0);
  });
});
