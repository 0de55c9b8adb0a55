import type { Variable } from '../../domain/variable.js';
import { Empty } from '../components.js';
import { Layout } from '../layout.js';
import { idParam, type PageRequest, type WebRouter } from '../router.js';
import type { WebDeps } from '../web-app.js';
import { crumbsOf } from './crumbs.js';

const SHOWN_VALUE = 200;

function VariableTable(props: { variables: Variable[] }) {
  if (props.variables.length === 0) return <Empty>No variables defined here.</Empty>;
  return (
    <table>
      <thead>
        <tr>
          <th>Key</th>
          <th>Value</th>
          <th class="hide-narrow">Type</th>
          <th class="hide-narrow">Settable</th>
          <th class="hide-narrow">Description</th>
        </tr>
      </thead>
      <tbody>
        {props.variables.map((v) => (
          <tr data-variable={v.key}>
            <td class="mono">{v.key}</td>
            <td class="mono">
              {v.encrypted ? (
                <span class="muted">encrypted</span>
              ) : v.value.length > SHOWN_VALUE ? (
                `${v.value.slice(0, SHOWN_VALUE)}… (${v.value.length} characters)`
              ) : (
                v.value
              )}
            </td>
            <td class="hide-narrow">{v.type === 'FILE' ? `FILE → ${v.filePath ?? ''}` : v.type}</td>
            <td class="hide-narrow">{v.settable ? 'yes' : 'no'}</td>
            <td class="hide-narrow">{v.description ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * The variables defined at a workspace, project or pipeline (the html_url of each variable's scope); an
 * encrypted value is never in a page, only the word "encrypted".
 */
export function variablePages(router: WebRouter, { useCases }: WebDeps): void {
  const render = async ({ ctx, params }: PageRequest) => {
    const ws = params.domain!;
    const project = params.project_name ? await useCases.projects.get(ctx.caller, ws, params.project_name) : undefined;
    const pipeline =
      project && params.pipeline_id
        ? await useCases.pipelines.get(ctx.caller, ws, project.name, idParam(params.pipeline_id, 'pipeline'))
        : undefined;
    const { variables } = await useCases.variables.list(ctx.caller, ws, {
      projectName: project?.name ?? null,
      pipelineId: pipeline?.id ?? null,
    });
    const where = pipeline ? `pipeline ${pipeline.name}` : project ? `project ${project.displayName}` : 'workspace';
    return (
      <Layout ctx={ctx} title={`Variables of the ${where}`} crumbs={crumbsOf(ws, project, pipeline)}>
        <VariableTable variables={variables} />
        <p class="hint">Variables are added and changed through the API (POST /workspaces/{ws}/variables).</p>
      </Layout>
    );
  };
  router.page('/:domain/variables', 'VARIABLE_INFO', render);
  router.page('/:domain/:project_name/variables', 'VARIABLE_INFO', render);
  router.page('/:domain/:project_name/pipelines/pipeline/:pipeline_id/variables', 'VARIABLE_INFO', render);
}
