import { Type, type Static } from 'typebox';
import type { ScopeRefs, VariableInput, VariableView } from '../../app/variables.js';
import { VARIABLE_TYPES } from '../../domain/action.js';
import { FILE_PLACES, type Variable } from '../../domain/variable.js';
import { listEnvelope, Nullable, PageQuery, readSealed, showSealed } from './common.js';
import { Id, LIMITS, LongText, Name, PathText, Sealable, variableValueRule } from './limits.js';
import { paths, type Urls } from './urls.js';

const Str = Type.String();
const opt = Type.Optional;
const Link = { url: Str, html_url: Str };

/** Add/edit a variable. `project` {name} / `pipeline` {id} / `action` {id} pick the scope; none = the workspace. */
export const VariableBody = Type.Object(
  {
    key: opt(Name()),
    value: opt(Sealable(LIMITS.fileValue)),
    type: opt(Type.Enum([...VARIABLE_TYPES])),
    encrypted: opt(Type.Boolean()),
    settable: opt(Type.Boolean()),
    description: opt(Nullable(LongText())),
    file_path: opt(Nullable(PathText())),
    file_chmod: opt(Nullable(Name())),
    file_place: opt(Type.Enum([...FILE_PLACES])),
    project: opt(Nullable(Type.Object({ name: Name() }))),
    pipeline: opt(Nullable(Type.Object({ id: Id() }))),
    action: opt(Nullable(Type.Object({ id: Id() }))),
  },
  variableValueRule,
);
export type VariableBody = Static<typeof VariableBody>;

/**
 * List filters, spelled as Buddy's Go SDK sends them; each selects the variables defined at exactly that scope.
 * Paged like every list (`page`, `per_page`).
 */
export const VariableListQuery = Type.Object({
  ...PageQuery.properties,
  projectName: opt(Name()),
  pipelineId: opt(Id()),
  actionId: opt(Id()),
});
export type VariableListQuery = Static<typeof VariableListQuery>;

export const VariableJson = Type.Object(
  {
    ...Link,
    id: Type.Integer(),
    key: Str,
    value: Str,
    type: Str,
    encrypted: Type.Boolean(),
    settable: Type.Boolean(),
    description: Nullable(Str),
    file_path: Nullable(Str),
    file_chmod: Nullable(Str),
    file_place: Str,
    project: opt(Type.Object({ ...Link, name: Str })),
    pipeline: opt(Type.Object({ ...Link, id: Type.Integer() })),
    action: opt(Type.Object({ ...Link, id: Type.Integer() })),
  },
  { $id: 'Variable' },
);
export const VariableListJson = listEnvelope('variables', VariableJson);

export const variableFilter = (q: VariableListQuery): ScopeRefs => ({
  projectName: q.projectName,
  pipelineId: q.pipelineId,
  actionId: q.actionId,
});

export const variableInput = (b: VariableBody): VariableInput => ({
  key: b.key,
  value: readSealed(b.value) ?? undefined,
  type: b.type,
  encrypted: b.encrypted,
  settable: b.settable,
  description: b.description,
  filePath: b.file_path,
  fileChmod: b.file_chmod,
  filePlace: b.file_place,
  projectName: b.project === null ? null : b.project?.name,
  pipelineId: b.pipeline === null ? null : b.pipeline?.id,
  actionId: b.action === null ? null : b.action?.id,
});

/** The scope references of a variable: absent at workspace scope, each inner scope also naming its ancestors. */
function scopeRefs(urls: Urls, domain: string, v: Variable, projectName: string | null) {
  const { pipelineId, actionId } = v.scope;
  if (projectName === null) return { html: urls.html(`${paths.htmlWorkspace(domain)}/variables`) };
  const project = {
    url: urls.api(paths.project(domain, projectName)),
    html_url: urls.html(paths.htmlProject(domain, projectName)),
    name: projectName,
  };
  if (pipelineId === null) return { project, html: `${project.html_url}/variables` };
  const pipeline = {
    url: urls.api(paths.pipeline(domain, projectName, pipelineId)),
    html_url: urls.html(paths.htmlPipeline(domain, projectName, pipelineId)),
    id: pipelineId,
  };
  if (actionId === null) return { project, pipeline, html: `${pipeline.html_url}/variables` };
  const action = {
    url: urls.api(paths.action(domain, projectName, pipelineId, actionId)),
    html_url: urls.html(paths.htmlAction(domain, projectName, actionId)),
    id: actionId,
  };
  return { project, pipeline, action, html: action.html_url };
}

export function variableJson(
  urls: Urls,
  domain: string,
  { variable: v, projectName }: VariableView,
): Static<typeof VariableJson> {
  const { html, ...refs } = scopeRefs(urls, domain, v, projectName);
  return {
    url: urls.api(paths.variable(domain, v.id)),
    html_url: html,
    id: v.id,
    key: v.key,
    value: v.encrypted ? (showSealed(v.value) ?? '') : v.value,
    type: v.type,
    encrypted: v.encrypted,
    settable: v.settable,
    description: v.description,
    file_path: v.filePath,
    file_chmod: v.fileChmod,
    file_place: v.filePlace,
    ...refs,
  };
}

export function variableListJson(
  urls: Urls,
  domain: string,
  list: { variables: Variable[]; projectName: string | null },
) {
  return {
    url: urls.api(paths.variables(domain)),
    html_url: urls.html(`${paths.htmlWorkspace(domain)}/variables`),
    variables: list.variables.map((variable) =>
      variableJson(urls, domain, { variable, projectName: list.projectName }),
    ),
  };
}
