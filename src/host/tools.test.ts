import { describe, expect, it } from 'vitest';
import type { ChildResult } from '../process/child.js';
import { TOOL_SPECS, checkTool, toolCheckFromOutcome, type ToolSpec } from './tools.js';

const spec = (name: string): ToolSpec => TOOL_SPECS.find((s) => s.name === name)!;
const result = (stdout: string, code = 0, stderr = ''): ChildResult => ({
  code,
  stdout,
  stderr,
  killedBy: null,
  aborted: false,
});

describe('toolCheckFromOutcome', () => {
  it('passes buildah 1.28.2 and shows the version', () => {
    const check = toolCheckFromOutcome(
      spec('buildah'),
      result('buildah version 1.28.2 (image-spec 1.1.0-rc2, runtime-spec 1.0.2-dev)\n'),
    );
    expect(check).toEqual({ name: 'buildah', ok: true, level: 'ok', detail: 'version 1.28.2 (>= 1.28)' });
  });

  it('fails an old buildah with the install command', () => {
    expect(toolCheckFromOutcome(spec('buildah'), result('buildah version 1.23.1 (image-spec 1.0.1)\n'))).toMatchObject({
      ok: false,
      detail: 'version 1.23.1 is older than 1.28',
      fix: 'apt-get install -y --no-install-recommends buildah',
    });
  });

  it('fails a missing required tool', () => {
    const check = toolCheckFromOutcome(spec('runc'), new Error('"runc" is not installed (not found on PATH).'));
    expect(check).toMatchObject({
      ok: false,
      level: 'fail',
      detail: 'not installed (not found on PATH)',
      fix: 'apt-get install -y --no-install-recommends runc',
    });
  });

  it('only warns for a missing docker-registry', () => {
    const check = toolCheckFromOutcome(
      spec('docker-registry'),
      new Error('"docker-registry" is not installed (not found on PATH).'),
    );
    expect(check).toMatchObject({
      ok: true,
      level: 'warn',
      fix: 'apt-get install -y --no-install-recommends docker-registry',
    });
  });

  it('fails a version command that exits non-zero, with its last line', () => {
    expect(toolCheckFromOutcome(spec('skopeo'), result('', 1, 'some noise\nError: broken config\n'))).toMatchObject({
      ok: false,
      detail: '`skopeo --version` exited 1: Error: broken config',
    });
  });

  it('checkTool maps a runner that cannot start the program', async () => {
    const run = () => Promise.reject(new Error('"git" is not installed (not found on PATH).'));
    expect(await checkTool(spec('git'), run)).toMatchObject({ ok: false, detail: 'not installed (not found on PATH)' });
  });
});
