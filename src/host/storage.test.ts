import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkStorageWritable, freeSpaceCheck, fsTypeName, nearestExisting } from './storage.js';

const GIB = 1024 ** 3;

describe('freeSpaceCheck', () => {
  it('fails under 2 GiB, warns under 10 GiB, passes above', () => {
    expect(freeSpaceCheck(1.5 * GIB, '/d')).toMatchObject({
      ok: false,
      level: 'fail',
      detail: expect.stringMatching(/^1\.5 GiB available at \/d/),
    });
    expect(freeSpaceCheck(2 * GIB, '/d')).toMatchObject({ ok: true, level: 'warn' });
    expect(freeSpaceCheck(9.9 * GIB, '/d')).toMatchObject({ ok: true, level: 'warn' });
    expect(freeSpaceCheck(10 * GIB, '/d')).toEqual({
      name: 'disk free',
      ok: true,
      level: 'ok',
      detail: '10.0 GiB available at /d',
    });
  });
});

describe('storage helpers', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('names filesystem types', () => {
    expect(fsTypeName(0xef53)).toBe('ext4');
    expect(fsTypeName(0x794c7630)).toBe('overlayfs');
    expect(fsTypeName(0x1234)).toBe('0x1234');
  });

  it('finds the nearest existing parent', async () => {
    dir = await mkdtemp(join(tmpdir(), 'storage-test-'));
    expect(nearestExisting(join(dir, 'a', 'b'))).toBe(dir);
    expect(nearestExisting(dir)).toBe(dir);
  });

  it('creates a missing storage dir and reports it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'storage-test-'));
    const check = await checkStorageWritable(join(dir, 'data', 'engine'));
    expect(check).toMatchObject({ ok: true, detail: `${join(dir, 'data', 'engine')} (created)` });
    expect(existsSync(join(dir, 'data', 'engine'))).toBe(true);
  });

  it('fails with a fix when the storage dir cannot be made', async () => {
    dir = await mkdtemp(join(tmpdir(), 'storage-test-'));
    await writeFile(join(dir, 'file'), 'not a dir');
    const target = join(dir, 'file', 'engine');
    const check = await checkStorageWritable(target);
    expect(check).toMatchObject({ ok: false, level: 'fail', fix: `mkdir -p ${target} && chmod u+rwx ${target}` });
    expect(check.detail).toMatch(/ENOTDIR/);
  });
});
