import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprintBuild } from './build-fingerprint.js';
import type { BuildSpec } from '../../app/ports/engine.js';
import type { BaseImage } from './preflight.js';

const DOCKERFILE =
  'FROM reg.example/base:1 AS build\nRUN make\nFROM reg.example/base:1\nCOPY --from=build /out /out\nCOPY app /app\n';
const BASES: BaseImage[] = [{ reference: 'reg.example/base:1', digest: 'sha256:aaa' }];

describe('build fingerprint', () => {
  let repo: string;
  beforeEach(() => {
    repo = mkdtempSync(join(tmpdir(), 'archway-fp-'));
    mkdirSync(join(repo, 'ctx/app'), { recursive: true });
    writeFileSync(join(repo, 'ctx/app/main.sh'), 'echo hi\n');
    writeFileSync(join(repo, 'secret.txt'), 's3cret');
  });
  afterEach(() => rmSync(repo, { recursive: true, force: true }));

  const spec = (over: Partial<BuildSpec> = {}): BuildSpec => ({
    repoRoot: repo,
    contextDir: join(repo, 'ctx'),
    dockerfile: join(repo, 'ctx/Dockerfile'),
    targetStage: null,
    buildArgs: [['A', '1']],
    secret: { id: 'token', file: join(repo, 'secret.txt') },
    platforms: ['linux/amd64', 'linux/arm64'],
    registry: 'r:5000',
    repository: 't/app',
    tags: ['latest'],
    credentials: null,
    cache: { mode: 'min', key: 'k', clear: false },
    timeoutMs: null,
    ...over,
  });
  const ENGINE = 'buildah version 1.28.2 (image-spec 1.1.0-rc2, runtime-spec 1.0.2-dev)';
  const value = async (over: Partial<BuildSpec> = {}, text = DOCKERFILE, bases = BASES, engine = ENGINE) => {
    const f = await fingerprintBuild(spec(over), text, bases, engine);
    if (f.value === null) throw new Error(`no fingerprint: ${f.why}`);
    return f.value;
  };

  it('is the same for the same inputs, and changes with each of them', async () => {
    const first = await value();
    expect(await value()).toBe(first);
    const changed: string[] = [];
    const record = async (what: string, v: Promise<string>) => (await v) !== first && changed.push(what);
    await record('build arg', value({ buildArgs: [['A', '2']] }));
    await record('target', value({ targetStage: 'build' }));
    await record('platforms', value({ platforms: ['linux/arm64', 'linux/amd64'] }));
    await record('dockerfile', value({}, `${DOCKERFILE}RUN true\n`));
    await record('base digest', value({}, DOCKERFILE, [{ reference: 'reg.example/base:1', digest: 'sha256:bbb' }]));
    await record(
      'engine version',
      value({}, DOCKERFILE, BASES, 'buildah version 1.28.3 (image-spec 1.1.0-rc2, runtime-spec 1.0.2-dev)'),
    );
    await record('no secret', value({ secret: null }));
    writeFileSync(join(repo, 'secret.txt'), 'other');
    await record('secret content', value());
    writeFileSync(join(repo, 'secret.txt'), 's3cret');
    writeFileSync(join(repo, 'ctx/app/main.sh'), 'echo bye\n');
    await record('file content', value());
    writeFileSync(join(repo, 'ctx/app/main.sh'), 'echo hi\n');
    chmodSync(join(repo, 'ctx/app/main.sh'), 0o755);
    await record('file mode', value());
    chmodSync(join(repo, 'ctx/app/main.sh'), 0o644);
    expect(await value()).toBe(first);
    writeFileSync(join(repo, 'ctx/new.txt'), '');
    await record('new file', value());
    expect(changed).toEqual([
      'build arg',
      'target',
      'platforms',
      'dockerfile',
      'base digest',
      'engine version',
      'no secret',
      'secret content',
      'file content',
      'file mode',
      'new file',
    ]);
  });

  it('counts a .git directory at the repository root as its HEAD and refs only', async () => {
    mkdirSync(join(repo, '.git/refs/tags'), { recursive: true });
    writeFileSync(join(repo, '.git/HEAD'), 'abc123\n');
    writeFileSync(join(repo, '.git/index'), 'checkout 1');
    const first = await value({ contextDir: repo });
    writeFileSync(join(repo, '.git/index'), 'checkout 2, other timestamps');
    expect(await value({ contextDir: repo })).toBe(first);
    writeFileSync(join(repo, '.git/refs/tags/v1.0.0'), 'abc123\n'); // a new tag: `git describe` changes
    const tagged = await value({ contextDir: repo });
    expect(tagged).not.toBe(first);
    writeFileSync(join(repo, '.git/packed-refs'), 'abc123 refs/heads/main\n');
    expect(await value({ contextDir: repo })).not.toBe(tagged);
    writeFileSync(join(repo, '.git/HEAD'), 'def456\n');
    expect(await value({ contextDir: repo })).not.toBe(tagged);
  });

  it('gives none, instead of failing, when an input cannot be read (buildah reports it, if it matters)', async () => {
    const f = await fingerprintBuild(
      spec({ secret: { id: 'token', file: join(repo, 'missing.txt') } }),
      DOCKERFILE,
      BASES,
      ENGINE,
    );
    expect(f).toEqual({ value: null, why: 'the context could not be read (ENOENT)' });
  });

  it('gives none when the Dockerfile reads what it cannot see: a remote ADD, an image in --from', async () => {
    const why = async (text: string) => {
      const f = await fingerprintBuild(spec(), text, BASES, ENGINE);
      return f.value === null ? f.why : null;
    };
    expect(await why('FROM reg.example/base:1\nADD https://example.com/x.tgz /x\n')).toBe(
      'line 2 ADDs a remote or variable source',
    );
    expect(await why('FROM reg.example/base:1\nADD ["https://example.com/x.tgz", "/x"]\n')).toBe(
      'line 2 ADDs a remote or variable source',
    );
    expect(await why('FROM reg.example/base:1\nARG URL\nADD ${URL} /x\n')).toBe(
      'line 3 ADDs a remote or variable source',
    );
    expect(await why('FROM reg.example/base:1\nADD app.tar.gz /x\n')).toBeNull();
    expect(await why('FROM reg.example/base:1\nCOPY --from=alpine:3 /etc/os-release /\n')).toBe(
      'line 2 reads from the image alpine:3, whose tag may move',
    );
    expect(await why('FROM reg.example/base:1\nRUN --mount=type=bind,from=tools:1,target=/t ls /t\n')).toBe(
      'line 2 reads from the image tools:1, whose tag may move',
    );
    expect(await why(DOCKERFILE)).toBeNull();
    expect(
      await why(
        'FROM reg.example/base:1 AS a\nFROM reg.example/base:1\nCOPY --from=0 /x /x\nRUN --mount=type=secret,id=token cat /run/secrets/token\n',
      ),
    ).toBeNull();
  });
});
