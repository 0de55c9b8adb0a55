import type { Execution } from '../../domain/execution.js';
import type { Pipeline } from '../../domain/pipeline.js';
import { Empty, Facts, Status } from '../components.js';
import { Layout } from '../layout.js';
import { links } from '../links.js';
import type { PageRequest, WebRouter } from '../router.js';
import type { WebDeps } from '../web-app.js';
import { crumbsOf } from './crumbs.js';
import { RunTimeCells } from './run-cells.js';

/** How far back a commit or branch page looks in each pipeline's runs. */
const RECENT_RUNS = 100;

/**
 * A commit's and a branch's pages (the html_url of an execution's `to_revision` and `branch`): what Archway knows
 * of them — the runs of the project's pipelines that built it, among each pipeline's last 100 — and the commit's
 * message and author as a run recorded them. Archway hosts no repository browser; the repository is elsewhere.
 */
export function repositoryPages(router: WebRouter, { useCases }: WebDeps): void {
  async function runsWhere(r: PageRequest, match: (e: Execution) => boolean) {
    const ws = r.params.domain!;
    const project = await useCases.projects.get(r.ctx.caller, ws, r.params.project_name!);
    const pipelines = await useCases.pipelines.list(r.ctx.caller, ws, project.name, { page: 1, perPage: 200 });
    const runs: Array<{ pipeline: Pipeline; execution: Execution }> = [];
    for (const pipeline of pipelines) {
      const { items } = await useCases.executions.list(r.ctx.caller, ws, project.name, pipeline.id, {
        page: 1,
        perPage: RECENT_RUNS,
      });
      for (const { execution } of items) if (match(execution)) runs.push({ pipeline, execution });
    }
    runs.sort((a, b) => b.execution.createdAt.getTime() - a.execution.createdAt.getTime());
    return { ws, project, runs };
  }

  function RunTable(props: { ws: string; project: string; runs: Array<{ pipeline: Pipeline; execution: Execution }> }) {
    if (props.runs.length === 0) return <Empty>No recent run built it.</Empty>;
    const now = new Date();
    return (
      <table>
        <thead>
          <tr>
            <th>Run</th>
            <th>Pipeline</th>
            <th class="hide-narrow">Revision</th>
            <th class="hide-narrow">Duration</th>
            <th>When</th>
          </tr>
        </thead>
        <tbody>
          {props.runs.map(({ pipeline, execution: e }) => (
            <tr>
              <td>
                <a href={links.execution(props.ws, props.project, pipeline.id, e.id)}>
                  <Status status={e.status} /> #{e.id}
                </a>
              </td>
              <td>
                <a href={links.pipeline(props.ws, props.project, pipeline.id)}>{pipeline.name}</a>
              </td>
              <td class="hide-narrow mono">{e.revision?.sha.slice(0, 12) ?? '—'}</td>
              <RunTimeCells execution={e} now={now} />
            </tr>
          ))}
        </tbody>
      </table>
    );
  }

  router.page('/:domain/:project_name/repository/commit/:sha', 'EXECUTION_INFO', async (r) => {
    const sha = r.params.sha!;
    const { ws, project, runs } = await runsWhere(r, (e) => e.revision?.sha === sha);
    const revision = runs.find((x) => x.execution.revision)?.execution.revision;
    return (
      <Layout ctx={r.ctx} title={`Commit ${sha.slice(0, 12)}`} crumbs={crumbsOf(ws, project)}>
        {revision ? (
          <Facts
            rows={[
              ['Revision', <code>{revision.sha}</code>],
              ['Message', <span class="pre">{revision.message}</span>],
              ['Author', `${revision.authorName} <${revision.authorEmail}>`],
              ['Date', revision.authorDate],
            ]}
          />
        ) : (
          <p class="muted">
            No recent run built <code>{sha}</code>.
          </p>
        )}
        <h2>Runs</h2>
        <RunTable ws={ws} project={project.name} runs={runs} />
      </Layout>
    );
  });

  router.page('/:domain/:project_name/repository/branch/:branch', 'EXECUTION_INFO', async (r) => {
    const branch = r.params.branch!;
    const { ws, project, runs } = await runsWhere(r, (e) => (e.revision?.branch ?? e.requestedBranch) === branch);
    return (
      <Layout ctx={r.ctx} title={`Branch ${branch}`} crumbs={crumbsOf(ws, project)}>
        <Facts
          rows={[
            ['Branch', <code>{branch}</code>],
            ['Default', branch === project.repository.defaultBranch ? 'yes' : 'no'],
            ['Newest revision built', runs[0]?.execution.revision?.sha ?? '—'],
          ]}
        />
        <h2>Runs</h2>
        <RunTable ws={ws} project={project.name} runs={runs} />
      </Layout>
    );
  });
}
