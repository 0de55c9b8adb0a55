import { NotFoundError } from '../../domain/errors.js';
import { isFinished } from '../../domain/execution.js';
import type { ActionExecution } from '../../domain/execution.js';
import { buildSummaryOf } from '../build-summary.js';
import { can } from '../page-context.js';
import { Duration, Facts, PostButton, Status, Time } from '../components.js';
import { Layout } from '../layout.js';
import { links } from '../links.js';
import { idParam, type PageRequest, type WebRouter } from '../router.js';
import type { WebDeps } from '../web-app.js';
import { BuildResult } from './build-result.js';
import { crumbsOf } from './crumbs.js';
import { triggerText } from './trigger-text.js';

/** The most lines a page reads to summarise a build (a 100,000-line log is read whole: ~60 ms on SQLite). */
const SUMMARY_LINES = 200_000;
const BASE = '/:domain/:project_name/pipelines/pipeline/:pipeline_id/execution/:execution_id';

/** The action whose log a page shows: the one asked for, else the first that failed, runs or ran last. */
function shownAction(actions: ActionExecution[], hex: string | undefined): ActionExecution | undefined {
  return (
    actions.find((a) => a.hexId === hex) ??
    actions.find((a) => a.status === 'FAILED') ??
    actions.find((a) => a.status === 'INPROGRESS' || a.status === 'TERMINATING') ??
    [...actions].reverse().find((a) => a.startDate !== null) ??
    actions[0]
  );
}

/**
 * An execution: its header (status, trigger, branch, revision, comment, times), each action with status,
 * progress and duration, the shown action's live log (the log viewer island over the API's SSE stream, the
 * session cookie authenticating it) and the image it made; Cancel while it runs, Retry once it failed or stopped.
 * The island re-reads the execution's JSON to keep the header and the actions current without a reload.
 */
export function executionPages(router: WebRouter, { useCases }: WebDeps): void {
  const locate = (params: Record<string, string>) => ({
    ws: params.domain!,
    project: params.project_name!,
    pipelineId: idParam(params.pipeline_id, 'pipeline'),
    id: idParam(params.execution_id, 'execution'),
  });

  const render = async ({ ctx, params, query }: PageRequest) => {
    const { ws, pipelineId, id } = locate(params);
    const project = await useCases.projects.get(ctx.caller, ws, params.project_name!);
    const pipeline = await useCases.pipelines.get(ctx.caller, ws, project.name, pipelineId);
    const { execution: e, actions } = await useCases.executions.get(ctx.caller, ws, project.name, pipelineId, id);
    const creator = await useCases.users.member(e.creatorId);
    const shown = shownAction(actions, query.actionExecutionId);
    const log = shown
      ? await useCases.executions.actionExecution(
          ctx.caller,
          ws,
          project.name,
          pipelineId,
          id,
          { hexId: shown.hexId },
          { offset: 0, limit: SUMMARY_LINES },
        )
      : null;
    const summary = log ? buildSummaryOf(log.log) : null;
    const here = links.execution(ws, project.name, pipelineId, id);
    const branch = e.revision?.branch ?? e.requestedBranch;
    const now = new Date();
    const manages = can(ctx, 'EXECUTION_RUN');
    return (
      <Layout
        ctx={ctx}
        title={`Run #${e.id}`}
        crumbs={crumbsOf(ws, project, pipeline)}
        scripts={['execution']}
        actions={
          manages && (
            <>
              {!isFinished(e.status) && (
                <span data-while-running>
                  <PostButton action={`${here}/cancel`} csrf={ctx.csrf} label="Cancel" variant="danger" />
                </span>
              )}
              {(e.status === 'FAILED' || e.status === 'TERMINATED') && (
                <PostButton action={`${here}/retry`} csrf={ctx.csrf} label="Retry" variant="primary" />
              )}
            </>
          )
        }
      >
        <section
          id="execution-header"
          class="panel"
          data-execution-url={links.api.execution(ws, project.name, pipelineId, id)}
          data-status={e.status}
        >
          <Facts
            rows={[
              [
                'Status',
                <span data-field="status">
                  <Status status={e.status} />
                </span>,
              ],
              ['Started by', triggerText(e, creator.name)],
              [
                'Branch',
                branch ? <a href={links.branch(ws, project.name, branch)}>{branch}</a> : <span class="muted">—</span>,
              ],
              [
                'Revision',
                e.revision ? (
                  <>
                    <a class="mono" href={links.commit(ws, project.name, e.revision.sha)}>
                      {e.revision.sha.slice(0, 12)}
                    </a>{' '}
                    {e.revision.message.split('\n')[0]}
                  </>
                ) : (
                  <span class="muted">{e.requestedRevision ?? 'not resolved yet'}</span>
                ),
              ],
              ...(e.comment ? ([['Comment', e.comment]] as const) : []),
              ['Queued', <Time at={e.createdAt} />],
              [
                'Started',
                <span data-field="start">
                  <Time at={e.startDate} />
                </span>,
              ],
              [
                'Finished',
                <span data-field="finish">
                  <Time at={e.finishDate} />
                </span>,
              ],
              [
                'Duration',
                <span data-field="duration">
                  <Duration from={e.startDate} to={e.finishDate} now={now} />
                </span>,
              ],
              ...(e.errorMessage ? ([['Error', <span data-field="error">{e.errorMessage}</span>]] as const) : []),
            ]}
          />
        </section>
        {!isFinished(e.status) && (
          <p id="run-ended" class="panel" hidden>
            The run has ended. <a href={here}>Reload</a> for its result.
          </p>
        )}
        <h2>Actions</h2>
        <table id="action-executions">
          <thead>
            <tr>
              <th>Action</th>
              <th>Status</th>
              <th class="hide-narrow">Progress</th>
              <th>Duration</th>
            </tr>
          </thead>
          <tbody>
            {actions.map((a) => (
              <tr data-action-execution={a.hexId} class={a.hexId === shown?.hexId ? 'selected' : undefined}>
                <td>
                  <a href={`${here}/?actionExecutionId=${a.hexId}`}>{a.action.name}</a>
                  {a.errorMessage && <div class="field-error">{a.errorMessage}</div>}
                </td>
                <td data-field="status">
                  <Status status={a.status} />
                </td>
                <td class="hide-narrow" data-field="progress">
                  <progress max="100" value={String(a.progress)}>{`${a.progress} %`}</progress>
                </td>
                <td data-field="duration">
                  <Duration from={a.startDate} to={a.finishDate} now={now} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {summary && <BuildResult summary={summary} />}
        {shown && (
          <>
            <h2>Log of {shown.action.name}</h2>
            <div
              id="log-viewer"
              data-stream-url={`${links.api.actionLog(ws, project.name, pipelineId, id, shown.hexId)}/stream`}
              data-raw-url={`${here}/log/${shown.hexId}.txt`}
              data-finished={String(shown.finishDate !== null)}
            >
              <p class="muted">
                The live log needs JavaScript; <a href={`${here}/log/${shown.hexId}.txt`}>download the raw log</a>.
              </p>
            </div>
          </>
        )}
      </Layout>
    );
  };

  router.page(BASE, 'EXECUTION_INFO', render);
  router.page(`${BASE}/`, 'EXECUTION_INFO', render);
  router.form(`${BASE}/cancel`, 'EXECUTION_RUN', async ({ ctx, params }) => {
    const { ws, project, pipelineId, id } = locate(params);
    await useCases.executions.cancel(ctx.caller, ws, project, pipelineId, id);
    return { redirect: links.execution(ws, project, pipelineId, id) };
  });
  router.form(`${BASE}/retry`, 'EXECUTION_RUN', async ({ ctx, params }) => {
    const { ws, project, pipelineId, id } = locate(params);
    await useCases.executions.retry(ctx.caller, ws, project, pipelineId, id);
    return { redirect: links.execution(ws, project, pipelineId, id) };
  });
  router.download(`${BASE}/log/:hex_file`, 'EXECUTION_INFO', async ({ ctx, params }) => {
    const { ws, project, pipelineId, id } = locate(params);
    const hex = /^([0-9a-f]{24})\.txt$/.exec(params.hex_file ?? '')?.[1];
    if (!hex) throw new NotFoundError('No such log.');
    const { log } = await useCases.executions.actionExecution(
      ctx.caller,
      ws,
      project,
      pipelineId,
      id,
      { hexId: hex },
      { offset: 0, limit: Number.MAX_SAFE_INTEGER },
    );
    return { filename: `${project}-run-${id}-${hex}.log`, body: log.length ? `${log.join('\n')}\n` : '' };
  });
}
