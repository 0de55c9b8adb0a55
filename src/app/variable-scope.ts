import type { Action } from '../domain/action.js';
import { ValidationError } from '../domain/errors.js';
import type { Execution } from '../domain/execution.js';
import type { Pipeline } from '../domain/pipeline.js';
import type { Project } from '../domain/project.js';
import type { Resolve } from './job-spec-builder.js';
import type { Secrets } from './ports.js';

/** One variable in force, with its value opened. */
export interface ScopedVariable {
  key: string;
  value: string;
  encrypted: boolean;
  type: 'VAR' | 'FILE' | 'SSH_KEY';
  filePath: string | null;
  fileChmod: string | null;
}

/** Workspace, project and pipeline variables (outermost first), from wherever they are kept. */
export interface VariableLayers {
  layers(ctx: { project: Project; pipeline: Pipeline; action: Action }): Promise<ScopedVariable[][]>;
}

export interface ActionScope {
  resolve: Resolve;
  files: Array<{ path: string; content: string; mode: number }>;
  mask: string[];
}
export interface VariableScopes {
  forAction(ctx: { project: Project; pipeline: Pipeline; action: Action }, execution: Execution): Promise<ActionScope>;
}

export function builtInVariables(ctx: { project: Project; pipeline: Pipeline }, execution: Execution, workspaceDomain: string): Record<string, string> {
  const sha = execution.revision?.sha ?? '';
  return {
    BUDDY_EXECUTION_ID: String(execution.id),
    BUDDY_EXECUTION_BRANCH: execution.revision?.branch ?? '',
    BUDDY_EXECUTION_REVISION: sha,
    BUDDY_EXECUTION_REVISION_SHORT: sha.slice(0, 7),
    BUDDY_EXECUTION_REVISION_SUBJECT: (execution.revision?.message ?? '').split('\n')[0] ?? '',
    BUDDY_EXECUTION_REVISION_MESSAGE: execution.revision?.message ?? '',
    BUDDY_EXECUTION_TAG: '',
    BUDDY_EXECUTION_COMMENT: execution.comment ?? '',
    BUDDY_PIPELINE_ID: String(ctx.pipeline.id),
    BUDDY_PIPELINE_NAME: ctx.pipeline.name,
    BUDDY_PROJECT_NAME: ctx.project.name,
    BUDDY_WORKSPACE_DOMAIN: workspaceDomain,
  };
}

const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** `$NAME` / `${NAME}` from the map, `$$` for a literal `$`; one pass (values are not re-resolved). */
export function resolveReferences(text: string, values: ReadonlyMap<string, string>, field: string): string {
  return text.replace(REFERENCE, (match, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare;
    if (name === undefined) return '$';
    const value = values.get(name);
    if (value === undefined) throw new ValidationError(`"${field}" uses the variable $${name}, which is not defined for this action.`);
    return value;
  });
}

/**
 * Merges built-ins < workspace < project < pipeline < action < execution-time variables (innermost wins) and
 * gives the action its resolver, its FILE variables and the values to mask in logs.
 */
export function createVariableScopes(deps: { layers: VariableLayers; secrets: Secrets; domainOf: (workspaceId: number) => Promise<string> }): VariableScopes {
  const open = (v: { value: string; encrypted: boolean }) => (v.encrypted ? deps.secrets.open(v.value) : v.value);
  return {
    async forAction(ctx, execution) {
      const merged = new Map<string, ScopedVariable>();
      const builtIns = builtInVariables(ctx, execution, await deps.domainOf(ctx.project.workspaceId));
      for (const [key, value] of Object.entries(builtIns)) merged.set(key, { key, value, encrypted: false, type: 'VAR', filePath: null, fileChmod: null });
      const inner: ScopedVariable[][] = [
        ...(await deps.layers.layers(ctx)),
        ctx.action.variables.map((v) => ({ ...v, value: open(v) })),
        execution.variables.map((v) => ({ key: v.key, value: open(v), encrypted: v.encrypted, type: 'VAR' as const, filePath: null, fileChmod: null })),
      ];
      for (const layer of inner) for (const v of layer) merged.set(v.key, v);
      const values = new Map([...merged].map(([k, v]) => [k, v.value]));
      const all = [...merged.values()];
      return {
        resolve: (text, field) => resolveReferences(text, values, field),
        files: all.filter((v) => v.type === 'FILE' && v.filePath).map((v) => ({ path: v.filePath!, content: v.value, mode: parseInt(v.fileChmod ?? '600', 8) })),
        mask: all.filter((v) => v.encrypted && v.value.length >= 3).map((v) => v.value),
      };
    },
  };
}
