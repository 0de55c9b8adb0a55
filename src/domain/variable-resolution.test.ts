import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';
import {
  builtInLayer,
  encryptedValues,
  mergeVariableLayers,
  resolveText,
  UndefinedVariableError,
  type PlainVariable,
  type VariableLayer,
} from './variable-resolution.js';

const vars = (entries: Record<string, string>, extra: Partial<PlainVariable> = {}): PlainVariable[] =>
  Object.entries(entries).map(([key, value]) => ({ key, value, encrypted: false, ...extra }));

const builtIns = builtInLayer({
  executionId: 42,
  branch: 'main',
  revision: '0123456789abcdef',
  revisionMessage: 'Fix it\n\nbody',
  tag: null,
  comment: null,
  pipelineId: 7,
  pipelineName: 'Build',
  projectName: 'company-website',
  workspaceDomain: 'acme',
});

describe('mergeVariableLayers', () => {
  it('lets the innermost layer win: execution > action > pipeline > project > workspace > built-ins', () => {
    const layers: VariableLayer[] = [
      { scope: 'EXECUTION', variables: vars({ A: 'execution' }) },
      { scope: 'ACTION', variables: vars({ A: 'action', B: 'action' }) },
      { scope: 'PIPELINE', variables: vars({ A: 'pipeline', B: 'pipeline', C: 'pipeline' }) },
      { scope: 'PROJECT', variables: vars({ C: 'project', D: 'project' }) },
      { scope: 'WORKSPACE', variables: vars({ D: 'workspace', E: 'workspace', BUDDY_EXECUTION_ID: 'mine' }) },
      builtIns,
    ];
    const map = mergeVariableLayers(layers);
    expect(Object.fromEntries([...map].map(([k, v]) => [k, v.value]))).toMatchObject({
      A: 'execution',
      B: 'action',
      C: 'pipeline',
      D: 'project',
      E: 'workspace',
      BUDDY_EXECUTION_ID: 'mine',
      BUDDY_PIPELINE_NAME: 'Build',
    });
    expect(map.get('C')?.scope).toBe('PIPELINE');
    expect(map.get('BUDDY_PROJECT_NAME')?.scope).toBe('BUILT_IN');
  });

  it('fills the built-ins from the execution, empty where unknown', () => {
    const map = mergeVariableLayers([builtIns]);
    expect(
      resolveText(
        '$BUDDY_WORKSPACE_DOMAIN/$BUDDY_PROJECT_NAME:$BUDDY_EXECUTION_REVISION_SHORT-$BUDDY_EXECUTION_ID',
        map,
      ),
    ).toBe('acme/company-website:0123456-42');
    expect(resolveText('[$BUDDY_EXECUTION_TAG]', map)).toBe('[]');
  });
});

describe('resolveText', () => {
  const map = mergeVariableLayers([
    { scope: 'PIPELINE', variables: vars({ targetStage: 'prod', path_to_secret: 'secrets/npm', V: '1.2' }) },
  ]);

  it('replaces $NAME and ${NAME}, leaving text without references alone', () => {
    expect(resolveText('$targetStage', map)).toBe('prod');
    expect(resolveText('app:${V}-beta', map)).toBe('app:1.2-beta');
    expect(resolveText('${path_to_secret}/token.txt', map)).toBe('secrets/npm/token.txt');
    expect(resolveText('$Vx', mergeVariableLayers([{ scope: 'ACTION', variables: vars({ Vx: 'long' }) }]))).toBe(
      'long',
    );
    expect(resolveText('no references, 100% plain', map)).toBe('no references, 100% plain');
  });

  it('reads $$ as a literal $ and leaves a $ that starts no name', () => {
    expect(resolveText('price: $$V', map)).toBe('price: $V');
    expect(resolveText('$$$V', map)).toBe('$1.2');
    expect(resolveText('cost $5 or ${ or $-', map)).toBe('cost $5 or ${ or $-');
  });

  it('throws an AppError naming the variable and the field for an undefined reference', () => {
    let caught: unknown;
    try {
      resolveText('v-$MISSING', map, 'docker_image_tag');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UndefinedVariableError);
    expect(caught).toBeInstanceOf(AppError);
    expect(caught).toMatchObject({
      code: 'VALIDATION_FAILED',
      status: 400,
      variable: 'MISSING',
      field: 'docker_image_tag',
    });
    expect((caught as Error).message).toMatch(/"docker_image_tag" uses the variable \$MISSING, which is not defined/);
    expect(() => resolveText('${ALSO_MISSING}', map, 'target_stage')).toThrow(/"target_stage".*\$ALSO_MISSING/);
  });

  it('resolves a reference inside a value once: $A with A=$B gives B, but not a third level', () => {
    const nested = mergeVariableLayers([
      { scope: 'ACTION', variables: vars({ A: '$B', TAG: 'v${B}-$$x' }) },
      { scope: 'WORKSPACE', variables: vars({ B: 'bee', C: '$D', D: '$E', E: 'end', SELF: '$SELF' }) },
    ]);
    expect(resolveText('$A', nested)).toBe('bee');
    expect(resolveText('$TAG', nested)).toBe('vbee-$x');
    expect(resolveText('$C', nested)).toBe('$E');
    expect(resolveText('$SELF', nested)).toBe('$SELF');
  });

  it('names both variables when a value refers to an undefined one', () => {
    const broken = mergeVariableLayers([{ scope: 'PROJECT', variables: vars({ A: 'x-$NOPE' }) }]);
    expect(() => resolveText('$A', broken, 'build_args')).toThrow(
      /"build_args" uses the variable \$A, whose value uses \$NOPE/,
    );
    expect(resolveText('fine', broken, 'build_args')).toBe('fine');
  });

  it('uses encrypted values and FILE contents as written, never resolving inside them', () => {
    const map2 = mergeVariableLayers([
      {
        scope: 'WORKSPACE',
        variables: [
          { key: 'PASSWORD', value: 'pa$$w0rd$UNDEFINED', encrypted: true },
          { key: 'SCRIPT', value: 'echo $HOME', encrypted: false, type: 'FILE', filePath: 'run.sh', fileChmod: '700' },
        ],
      },
    ]);
    expect(resolveText('$PASSWORD', map2)).toBe('pa$$w0rd$UNDEFINED');
    expect(resolveText('$SCRIPT', map2)).toBe('echo $HOME');
  });
});

describe('encryptedValues', () => {
  it('lists every encrypted value (and each line of multi-line ones), longest first, for masking', () => {
    const map = mergeVariableLayers([
      { scope: 'EXECUTION', variables: [{ key: 'ONE', value: 'short-secret', encrypted: true }] },
      {
        scope: 'ACTION',
        variables: [{ key: 'KEY', value: 'line-one\nline-two-longer\n', encrypted: true, type: 'SSH_KEY' }],
      },
      {
        scope: 'WORKSPACE',
        variables: [
          { key: 'PLAIN', value: 'not-secret', encrypted: false },
          { key: 'EMPTY', value: '', encrypted: true },
        ],
      },
    ]);
    expect(encryptedValues(map)).toEqual([
      'line-one\nline-two-longer\n',
      'line-two-longer',
      'short-secret',
      'line-one',
    ]);
  });

  it('masks the value that won, not a shadowed one', () => {
    const map = mergeVariableLayers([
      { scope: 'ACTION', variables: [{ key: 'T', value: 'override', encrypted: false }] },
      { scope: 'WORKSPACE', variables: [{ key: 'T', value: 'shadowed-secret', encrypted: true }] },
    ]);
    expect(encryptedValues(map)).toEqual([]);
  });
});
