import type { VariableType } from './action.js';
import { ValidationError } from './errors.js';

/**
 * Resolution of `$NAME` / `${NAME}` in action fields at run time. Pure: the caller opens encrypted values and
 * hands over plain text; nothing here touches the store or the Secrets port.
 *
 * Nesting (a choice, tested): a reference inside a plain VAR variable's value is resolved exactly once, against
 * the values as defined. With A = "$B" and B = "x", "$A" gives "x"; with B = "$C", "$A" gives "$C" literally.
 * So there are no cycles and no blow-up. Encrypted values and FILE / SSH_KEY contents are never resolved:
 * a secret or a key file containing "$" is used as written.
 */

/** Scope names, innermost first: the order `mergeVariableLayers` expects. */
export const VARIABLE_LAYERS = ['EXECUTION', 'ACTION', 'PIPELINE', 'PROJECT', 'WORKSPACE', 'BUILT_IN'] as const;
export type VariableLayerName = (typeof VARIABLE_LAYERS)[number];

/** A variable in force, its value in plain text. `type` defaults to VAR. */
export interface PlainVariable {
  key: string;
  value: string;
  encrypted: boolean;
  type?: VariableType;
  filePath?: string | null;
  fileChmod?: string | null;
}
export interface VariableLayer {
  scope: VariableLayerName;
  variables: readonly PlainVariable[];
}
export interface MergedVariable extends PlainVariable {
  /** The layer the winning definition came from. */
  scope: VariableLayerName;
}
export type VariableMap = ReadonlyMap<string, MergedVariable>;

/** A `$NAME` with no definition in any scope; fails the action with a sentence naming the field and the variable. */
export class UndefinedVariableError extends ValidationError {
  readonly variable: string;
  readonly field: string;
  constructor(variable: string, field: string, via?: string) {
    super(
      via === undefined
        ? `"${field}" uses the variable $${variable}, which is not defined in any scope of this action.`
        : `"${field}" uses the variable $${via}, whose value uses $${variable}, which is not defined in any scope of this action.`,
    );
    this.variable = variable;
    this.field = field;
  }
}

/** One map from layers given innermost first (execution > action > pipeline > project > workspace > built-ins): the first definition of a key wins. */
export function mergeVariableLayers(layers: readonly VariableLayer[]): Map<string, MergedVariable> {
  const merged = new Map<string, MergedVariable>();
  for (const layer of layers) {
    for (const v of layer.variables) if (!merged.has(v.key)) merged.set(v.key, { ...v, scope: layer.scope });
  }
  return merged;
}

const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

function substitute(text: string, lookup: (name: string) => string): string {
  return text.replace(REFERENCE, (_match, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare;
    return name === undefined ? '$' : lookup(name);
  });
}

/** Replaces `$NAME` and `${NAME}` from the map and `$$` with `$`; `field` names the action field in errors. */
export function resolveText(text: string, map: VariableMap, field = 'text'): string {
  return substitute(text, (name) => {
    const variable = map.get(name);
    if (!variable) throw new UndefinedVariableError(name, field);
    if (variable.encrypted || (variable.type ?? 'VAR') !== 'VAR') return variable.value;
    return substitute(variable.value, (inner) => {
      const nested = map.get(inner);
      if (!nested) throw new UndefinedVariableError(inner, field, name);
      return nested.value;
    });
  });
}

/**
 * Every encrypted value in force, for masking logs: whole values and, for multi-line ones (keys, files), each
 * non-blank line, since logs are masked line by line. Longest first, so a secret containing another is masked whole.
 */
export function encryptedValues(map: VariableMap): string[] {
  const out = new Set<string>();
  for (const v of map.values()) {
    if (!v.encrypted || v.value === '') continue;
    out.add(v.value);
    for (const line of v.value.split(/\r?\n/)) if (line.trim() !== '') out.add(line);
  }
  return [...out].sort((a, b) => b.length - a.length);
}

/** What an execution knows about itself, for the BUDDY_* built-ins. */
export interface ExecutionFacts {
  executionId: number;
  branch: string | null;
  revision: string | null;
  revisionMessage: string | null;
  tag: string | null;
  comment: string | null;
  pipelineId: number;
  pipelineName: string;
  projectName: string;
  workspaceDomain: string;
}

/** The names of Buddy's built-in variables. */
export function builtInKeys(): string[] {
  const facts = { executionId: 0, pipelineId: 0, pipelineName: '', projectName: '', workspaceDomain: '' };
  return builtInLayer({
    ...facts,
    branch: null,
    revision: null,
    revisionMessage: null,
    tag: null,
    comment: null,
  }).variables.map((v) => v.key);
}

/** The outermost layer: Buddy's built-in variables (an unknown fact is an empty string, as in Buddy). */
export function builtInLayer(f: ExecutionFacts): VariableLayer {
  const values: Record<string, string> = {
    BUDDY_EXECUTION_ID: String(f.executionId),
    BUDDY_EXECUTION_BRANCH: f.branch ?? '',
    BUDDY_EXECUTION_REVISION: f.revision ?? '',
    BUDDY_EXECUTION_REVISION_SHORT: (f.revision ?? '').slice(0, 7),
    BUDDY_EXECUTION_REVISION_SUBJECT: (f.revisionMessage ?? '').split('\n')[0] ?? '',
    BUDDY_EXECUTION_REVISION_MESSAGE: f.revisionMessage ?? '',
    BUDDY_EXECUTION_TAG: f.tag ?? '',
    BUDDY_EXECUTION_COMMENT: f.comment ?? '',
    BUDDY_PIPELINE_ID: String(f.pipelineId),
    BUDDY_PIPELINE_NAME: f.pipelineName,
    BUDDY_PROJECT_NAME: f.projectName,
    BUDDY_WORKSPACE_DOMAIN: f.workspaceDomain,
  };
  return {
    scope: 'BUILT_IN',
    variables: Object.entries(values).map(([key, value]) => ({ key, value, encrypted: false })),
  };
}
