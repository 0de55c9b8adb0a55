import type { VariableType } from '../domain/action.js';
import { validateVariable } from '../domain/action-variable.js';
import { NotFoundError, ValidationError } from '../domain/errors.js';
import { FILE_PLACES, scopeDepth, type FilePlace, type Variable, type VariableScope } from '../domain/variable.js';
import type { Workspace } from '../domain/workspace.js';
import { workspaceFor } from './resolve-path.js';
import { type Caller } from './caller.js';
import { notFound } from './not-found.js';
import type { Page } from './ports/page.js';
import type { NewVariable, Store } from './ports/store.js';
import type { Secrets } from './ports/secrets.js';
import { ownerIn, sealFromClient } from './sealing.js';
import type { ScopedVariable, VariableLayers } from './variable-scope.js';

/** Where a variable lives, as a client names it; all absent (or null) = the workspace. */
export interface ScopeRefs {
  projectName?: string | null;
  pipelineId?: number | null;
  actionId?: number | null;
}

export interface VariableInput extends ScopeRefs {
  key?: string;
  /** Plain text, or the sealed text a GET returned (then the stored secret is kept). */
  value?: string;
  type?: VariableType;
  encrypted?: boolean;
  settable?: boolean;
  description?: string | null;
  filePath?: string | null;
  fileChmod?: string | null;
  filePlace?: FilePlace;
}

/** A variable with the project name its `project` {name} reference shows. */
export interface VariableView {
  variable: Variable;
  projectName: string | null;
}

interface Located {
  scope: VariableScope;
  projectName: string | null;
}

const sameScope = (a: VariableScope, b: VariableScope) =>
  a.projectId === b.projectId && a.pipelineId === b.pipelineId && a.actionId === b.actionId;

export function createVariableUseCases(store: Store, secrets: Secrets) {
  /**
   * Finds the scope that refs name, from the inside out (an action implies its pipeline and project); every part
   * given must exist in the workspace and agree with the others. `fail` says how a miss is reported: 404 for a
   * list filter, 400 for a reference in a request body.
   */
  async function locate(workspace: Workspace, refs: ScopeRefs, fail: (message: string) => never): Promise<Located> {
    const where = `in workspace "${workspace.domain}"`;
    const action =
      refs.actionId == null
        ? undefined
        : ((await store.actions.find(refs.actionId)) ?? fail(`Action ${refs.actionId} not found ${where}.`));
    if (action && refs.pipelineId != null && action.pipelineId !== refs.pipelineId)
      fail(`Action ${action.id} is not in pipeline ${refs.pipelineId}.`);
    const pipelineId = action?.pipelineId ?? refs.pipelineId;
    const pipeline =
      pipelineId == null
        ? undefined
        : ((await store.pipelines.find(pipelineId)) ?? fail(`Pipeline ${pipelineId} not found ${where}.`));
    const projectId = pipeline?.projectId;
    const project =
      refs.projectName != null
        ? ((await store.projects.byName(workspace.id, refs.projectName)) ??
          fail(`Project "${refs.projectName}" not found ${where}.`))
        : projectId === undefined
          ? undefined
          : await store.projects.find(projectId);
    if (pipeline && project?.id !== pipeline.projectId) {
      fail(
        refs.projectName != null
          ? `Pipeline ${pipeline.id} is not in project "${refs.projectName}".`
          : `Pipeline ${pipeline.id} not found ${where}.`,
      );
    }
    if (project && project.workspaceId !== workspace.id)
      fail(`${action ? `Action ${action.id}` : `Pipeline ${pipelineId}`} not found ${where}.`);
    return {
      scope: { projectId: project?.id ?? null, pipelineId: pipeline?.id ?? null, actionId: action?.id ?? null },
      projectName: project?.name ?? null,
    };
  }
  const asNotFound = (message: string): never => {
    throw new NotFoundError(message);
  };
  const asInvalid = (message: string): never => {
    throw new ValidationError(message);
  };
  const hasRefs = (refs: ScopeRefs) =>
    refs.projectName !== undefined || refs.pipelineId !== undefined || refs.actionId !== undefined;

  /** The value to store: sealed when encrypted (an echoed sealed value keeps the secret), plain otherwise. */
  function storedValue(
    next: { key: string; encrypted: boolean; workspaceId: number },
    input: VariableInput,
    previous?: Variable,
  ): string {
    const value = input.value;
    const owner = ownerIn(next.workspaceId, 'variable');
    if (!next.encrypted) {
      if (value === undefined && previous?.encrypted) {
        throw new ValidationError(
          `Variable "${next.key}" is encrypted; to store it unencrypted send its plain "value" too.`,
        );
      }
      if (value !== undefined && secrets.isSealed(value))
        throw new ValidationError(
          `"value" of variable "${next.key}" is an encrypted value; send the plain value to store it unencrypted.`,
        );
      return value ?? previous?.value ?? '';
    }
    if (value === undefined) return previous?.encrypted ? previous.value : secrets.seal(previous?.value ?? '', owner);
    return sealFromClient(secrets, value, owner, previous?.encrypted ? previous.value : null);
  }

  /** Merges input into the variable and checks the whole with the rules shared with action variables. */
  function apply(current: NewVariable, input: VariableInput, previous?: Variable): NewVariable {
    const type = input.type ?? current.type;
    const next: NewVariable = validateVariable({
      ...current,
      type,
      key: input.key ?? current.key,
      encrypted: input.encrypted ?? current.encrypted,
      settable: input.settable ?? current.settable,
      description: input.description === undefined ? current.description : input.description,
      filePath: input.filePath === undefined ? current.filePath : input.filePath,
      fileChmod: input.fileChmod === undefined ? current.fileChmod : input.fileChmod,
      filePlace:
        type !== 'FILE' ? 'NONE' : (input.filePlace ?? (current.type === 'FILE' ? current.filePlace : 'CONTAINER')),
    });
    if (!FILE_PLACES.includes(next.filePlace))
      throw new ValidationError(`"file_place" must be one of: ${FILE_PLACES.join(', ')}.`);
    return { ...next, value: storedValue(next, input, previous) };
  }

  async function find(caller: Caller, domain: string, id: number) {
    const workspace = await workspaceFor(store, caller, domain);
    const variable =
      (await store.variables.byId(workspace.id, id)) ?? notFound(`Variable ${id} not found in workspace "${domain}".`);
    return { workspace, variable };
  }

  async function view(variable: Variable): Promise<VariableView> {
    const project = variable.scope.projectId === null ? undefined : await store.projects.find(variable.scope.projectId);
    return { variable, projectName: project?.name ?? null };
  }

  return {
    /**
     * The variables defined exactly at the filtered scope (no filter: the workspace's own), not inherited ones,
     * oldest first, one page of them. The page is cut here, after the repository's `list` read the scope whole
     * (its port takes no page).
     */
    async list(
      caller: Caller,
      domain: string,
      filter: ScopeRefs,
      page: Page = { page: 1, perPage: Number.MAX_SAFE_INTEGER },
    ): Promise<{ variables: Variable[]; projectName: string | null }> {
      const workspace = await workspaceFor(store, caller, domain);
      const { scope, projectName } = await locate(workspace, filter, asNotFound);
      const start = (page.page - 1) * page.perPage;
      const all = await store.variables.list(workspace.id, scope);
      return { variables: all.slice(start, start + page.perPage), projectName };
    },
    async get(caller: Caller, domain: string, id: number): Promise<VariableView> {
      return view((await find(caller, domain, id)).variable);
    },
    async create(caller: Caller, domain: string, input: VariableInput): Promise<VariableView> {
      const workspace = await workspaceFor(store, caller, domain);
      if (input.key === undefined) throw new ValidationError('"key" is required, e.g. "API_URL".');
      if (input.value === undefined) throw new ValidationError('"value" is required (it may be empty).');
      const { scope, projectName } = await locate(workspace, input, asInvalid);
      const blank: NewVariable = {
        workspaceId: workspace.id,
        scope,
        key: input.key,
        value: '',
        type: 'VAR',
        encrypted: false,
        settable: false,
        description: null,
        filePath: null,
        fileChmod: null,
        filePlace: 'NONE',
      };
      return { variable: await store.variables.create(apply(blank, input)), projectName };
    },
    async update(caller: Caller, domain: string, id: number, input: VariableInput): Promise<VariableView> {
      const { workspace, variable } = await find(caller, domain, id);
      if (hasRefs(input)) {
        const { scope } = await locate(workspace, input, asInvalid);
        if (!sameScope(scope, variable.scope)) {
          throw new ValidationError(
            '"project", "pipeline" and "action" of a variable cannot be changed; add the variable at the new scope and delete this one.',
          );
        }
      }
      return view(await store.variables.update({ ...variable, ...apply(variable, input, variable) }));
    },
    async remove(caller: Caller, domain: string, id: number): Promise<void> {
      const { variable } = await find(caller, domain, id);
      await store.variables.remove(variable.id);
    },
  };
}
export type VariableUseCases = ReturnType<typeof createVariableUseCases>;

/**
 * The stored layers for a run (the VariableLayers port of variable-scope.ts): workspace, project, pipeline and
 * action variables of the variables resource, outermost first, encrypted values opened.
 */
export function createStoredVariableLayers(store: Store, secrets: Secrets): VariableLayers {
  return {
    async layers({ project, pipeline, action }) {
      const inForce = await store.variables.inForce(project.workspaceId, {
        projectId: project.id,
        pipelineId: pipeline.id,
        actionId: action?.id ?? null,
      });
      const layers: ScopedVariable[][] = [[], [], [], []];
      for (const v of inForce) {
        layers[scopeDepth(v.scope)]?.push({
          key: v.key,
          value: v.encrypted ? secrets.open(v.value, ownerIn(v.workspaceId, 'variable')) : v.value,
          encrypted: v.encrypted,
          type: v.type,
          filePath: v.filePath,
          fileChmod: v.fileChmod,
        });
      }
      return layers;
    },
  };
}
