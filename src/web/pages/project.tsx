import { can } from '../page-context.js';
import { Duration, Empty, Pager, Status, Time } from '../components.js';
import { Layout } from '../layout.js';
import { links } from '../links.js';
import { pageParam, type PageRequest, type WebRouter } from '../router.js';
import type { WebDeps } from '../web-app.js';
import { crumbsOf } from './crumbs.js';

const PER_PAGE = 50;

/** `/app/:domain/:project` and `…/pipelines`: the project's pipelines with their last run. */
export function projectPages(router: WebRouter, { useCases }: WebDeps): void {
  const render = async ({ ctx, params, query }: PageRequest) => {
    const ws = params.domain!;
    const project = await useCases.projects.get(ctx.caller, ws, params.project_name!);
    const page = pageParam(query);
    // Pipelines and runs are EXECUTION_INFO's, as in the API; a token without it sees the project alone.
    const seesRuns = can(ctx, 'EXECUTION_INFO');
    const pipelines = seesRuns
      ? await useCases.pipelines.list(ctx.caller, ws, project.name, { page, perPage: PER_PAGE })
      : [];
    const last = await Promise.all(
      pipelines.map(
        async (p) =>
          (await useCases.executions.list(ctx.caller, ws, project.name, p.id, { page: 1, perPage: 1 })).items[0],
      ),
    );
    const now = new Date();
    return (
      <Layout
        ctx={ctx}
        title={project.displayName}
        crumbs={crumbsOf(ws, project)}
        actions={
          can(ctx, 'VARIABLE_INFO') && (
            <a class="button" href={links.projectVariables(ws, project.name)}>
              Variables
            </a>
          )
        }
      >
        <p class="muted">
          Repository <code>{project.repository.url ?? 'none'}</code> · default branch{' '}
          <code>{project.repository.defaultBranch}</code>
        </p>
        <h2>Pipelines</h2>
        {!seesRuns ? (
          <Empty>This token lacks the EXECUTION_INFO scope that shows pipelines.</Empty>
        ) : pipelines.length === 0 ? (
          <Empty>No pipelines yet.</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Pipeline</th>
                <th>Last run</th>
                <th class="hide-narrow">Duration</th>
                <th class="hide-narrow">When</th>
              </tr>
            </thead>
            <tbody>
              {pipelines.map((p, i) => {
                const run = last[i]?.execution;
                return (
                  <tr data-pipeline={String(p.id)}>
                    <td>
                      <a href={links.pipeline(ws, project.name, p.id)}>{p.name}</a>
                      {p.disabled && <span class="muted"> (disabled)</span>}
                      <div class="muted mono">{p.refs.join(', ') || project.repository.defaultBranch}</div>
                    </td>
                    <td>
                      {run ? (
                        <a href={links.execution(ws, project.name, p.id, run.id)}>
                          <Status status={run.status} /> #{run.id}
                        </a>
                      ) : (
                        <span class="muted">never run</span>
                      )}
                    </td>
                    <td class="hide-narrow">
                      {run ? <Duration from={run.startDate} to={run.finishDate} now={now} /> : '—'}
                    </td>
                    <td class="hide-narrow">
                      <Time at={run?.createdAt ?? null} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        <Pager path={links.pipelines(ws, project.name)} page={page} count={pipelines.length} perPage={PER_PAGE} />
      </Layout>
    );
  };
  router.page('/:domain/:project_name', 'WORKSPACE', render);
  router.page('/:domain/:project_name/pipelines', 'WORKSPACE', render);
}
