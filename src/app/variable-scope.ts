import type { Action } from '../domain/action.js';
import type { Execution } from '../domain/execution.js';
import type { Pipeline } from '../domain/pipeline.js';
import type { Project } from '../domain/project.js';
import {
  builtInLayer,
  encryptedValues,
  mergeVariableLayers,
  resolveText,
  type PlainVariable,
  type VariableLayer,
} from '../domain/variable-resolution.js';
import type { Resolve } from './job-spec-builder.js';
import type { Secrets } from './ports/secrets.js';
import { ownerIn, type SealedField } from './sealing.js';

/** One stored variable in force, its value opened. */
export type ScopedVariable = PlainVariable;

/** Workspace, project, pipeline and action-scoped stored variables, outermost first (src/app/variables.ts). */
export interface VariableLayers {
  /** Without an action: the layers a pipeline's trigger conditions see (no action-scoped variables). */
  layers(ctx: ScopeContext): Promise<ScopedVariable[][]>;
}

/** Where variables are looked up: a pipeline, or one action of it. */
export interface ScopeContext {
  project: Project;
  pipeline: Pipeline;
  action?: Action;
}

/** What of a run the variables depend on (the execution's own variables, sealed when encrypted; its revision). */
export type RunFacts = Pick<Execution, 'id' | 'revision' | 'comment' | 'variables'>;

export interface ActionScope {
  resolve: Resolve;
  files: Array<{ path: string; content: string; mode: number }>;
  mask: string[];
}
export interface VariableScopes {
  forAction(ctx: { project: Project; pipeline: Pipeline; action: Action }, execution: Execution): Promise<ActionScope>;
  /** Every variable's plain value in the scope (for trigger conditions: `VAR_IS` and the like). */
  valuesFor(ctx: ScopeContext, run: RunFacts): Promise<ReadonlyMap<string, string>>;
}

const STORED: VariableLayer['scope'][] = ['WORKSPACE', 'PROJECT', 'PIPELINE', 'ACTION'];

/**
 * The variables an action runs with: execution-time > the action's own > stored action, pipeline, project and
 * workspace variables > built-ins (innermost wins), with its resolver, its FILE variables and the values to mask.
 */
export function createVariableScopes(deps: {
  layers: VariableLayers;
  secrets: Secrets;
  domainOf: (workspaceId: number) => Promise<string>;
}): VariableScopes {
  async function merged(ctx: ScopeContext, run: RunFacts) {
    const ws = ctx.project.workspaceId;
    const open = (v: { value: string; encrypted: boolean }, field: SealedField) =>
      v.encrypted ? deps.secrets.open(v.value, ownerIn(ws, field)) : v.value;
    const stored = await deps.layers.layers(ctx);
    const layers: VariableLayer[] = [
      {
        scope: 'EXECUTION',
        variables: run.variables.map((v) => ({
          key: v.key,
          value: open(v, 'execution.variable'),
          encrypted: v.encrypted,
        })),
      },
      {
        scope: 'ACTION',
        variables: (ctx.action?.variables ?? []).map((v) => ({ ...v, value: open(v, 'action.variable') })),
      },
      ...stored.map((variables, i) => ({ scope: STORED[i] ?? 'WORKSPACE', variables })).reverse(),
      builtInLayer({
        executionId: run.id,
        branch: run.revision?.branch ?? null,
        revision: run.revision?.sha ?? null,
        revisionMessage: run.revision?.message ?? null,
        tag: null,
        comment: run.comment,
        pipelineId: ctx.pipeline.id,
        pipelineName: ctx.pipeline.name,
        projectName: ctx.project.name,
        workspaceDomain: await deps.domainOf(ctx.project.workspaceId),
      }),
    ];
    return mergeVariableLayers(layers);
  }

  return {
    async valuesFor(ctx, run) {
      return new Map([...(await merged(ctx, run))].map(([key, v]) => [key, v.value]));
    },
    async forAction(ctx, execution) {
      const map = await merged(ctx, execution);
      return {
        resolve: (text, field) => resolveText(text, map, field),
        files: [...map.values()]
          .filter((v) => v.type === 'FILE' && v.filePath)
          .map((v) => ({ path: v.filePath!, content: v.value, mode: parseInt(v.fileChmod ?? '600', 8) })),
        mask: encryptedValues(map),
      };
    },
  };
}
