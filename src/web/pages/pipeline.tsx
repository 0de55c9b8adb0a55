import { AppError } from '../../domain/errors.js';
import { can } from '../page-context.js';
import { Empty, Facts, Pager, Status, Time } from '../components.js';
import { Layout } from '../layout.js';
import { links } from '../links.js';
import { idParam, pageParam, type PageRequest, type WebRouter } from '../router.js';
import type { WebDeps } from '../web-app.js';
import { crumbsOf } from './crumbs.js';
import { RunTimeCells } from './run-cells.js';
import { RunForm, runFormValues, runInputOf, type RunFormValues } from './run-form.js';
import { triggerText } from './trigger-text.js';

const PER_PAGE = 20;

/** `…/pipelines/pipeline/:id`: its actions in order, its runs paged, the Run form; POST `…/run` starts one. */
export function pipelinePages(router: WebRouter, { useCases }: WebDeps): void {
  const render = async (r: PageRequest, run?: { values: RunFormValues; error: string }) => {
    const { ctx, params, query } = r;
    const ws = params.domain!;
    const id = idParam(params.pipeline_id, 'pipeline');
    const project = await useCases.projects.get(ctx.caller, ws, params.project_name!);
    const pipeline = await useCases.pipelines.get(ctx.caller, ws, project.name, id);
    const page = pageParam(query);
    const [{ actions }, runs, triggers, form] = await Promise.all([
      useCases.actions.list(ctx.caller, ws, project.name, id, { page: 1, perPage: 100 }),
      useCases.executions.list(ctx.caller, ws, project.name, id, { page, perPage: PER_PAGE }),
      useCases.pipelines.triggerView(ctx.caller, pipeline, project.workspaceId),
      can(ctx, 'EXECUTION_RUN') ? useCases.executions.runForm(ctx.caller, ws, project.name, id) : null,
    ]);
    const creators = new Map(
      await Promise.all(
        [...new Set(runs.items.map((v) => v.execution.creatorId))].map(
          async (uid) => [uid, (await useCases.users.member(uid)).name] as const,
        ),
      ),
    );
    const now = new Date();
    const next = triggers.schedules.map((s) => s.nextAt).find((at) => at !== null) ?? null;
    const paused = triggers.schedules.find((s) => s.pausedReason)?.pausedReason;
    const here = links.pipeline(ws, project.name, id);
    return (
      <Layout
        ctx={ctx}
        title={pipeline.name}
        crumbs={crumbsOf(ws, project, pipeline)}
        actions={
          can(ctx, 'VARIABLE_INFO') && (
            <a class="button" href={links.pipelineVariables(ws, project.name, id)}>
              Variables
            </a>
          )
        }
      >
        <Facts
          rows={[
            ['Last run', <Status status={pipeline.lastExecutionStatus} />],
            ['Refs', <span class="mono">{pipeline.refs.join(', ') || project.repository.defaultBranch}</span>],
            ['Triggers', pipeline.events.map((e) => e.type).join(', ') || 'manual only'],
            ...(next && !pipeline.disabled ? ([['Next scheduled run', <Time at={next} />]] as const) : []),
            ...(paused ? ([['Schedule paused', paused]] as const) : []),
            ...(pipeline.disabled ? ([['Disabled', 'yes: no trigger starts it']] as const) : []),
            ['Cache scope', pipeline.cacheScope],
          ]}
        />
        {form && (
          <>
            <h2>Run</h2>
            <RunForm
              action={`${here}/run`}
              csrf={ctx.csrf}
              defaultBranch={
                pipeline.refs.find((ref) => !ref.includes('*'))?.replace(/^refs\/heads\//, '') ??
                project.repository.defaultBranch
              }
              variables={form.variables}
              values={run?.values}
              error={run?.error}
            />
          </>
        )}
        <div class="page-head">
          <h2>Actions</h2>
          {can(ctx, 'EXECUTION_MANAGE') && (
            <a class="button" href={links.newAction(ws, project.name, id)}>
              New action
            </a>
          )}
        </div>
        {actions.length === 0 ? (
          <Empty>No actions yet.</Empty>
        ) : (
          <ol class="actions-list">
            {actions.map((a) => (
              <li>
                <a href={links.action(ws, project.name, a.id)}>{a.name}</a> <span class="muted">{a.type}</span>{' '}
                {a.disabled && <span class="muted">(disabled)</span>} <Status status={a.lastExecutionStatus} />
              </li>
            ))}
          </ol>
        )}
        <h2>Runs</h2>
        {runs.items.length === 0 ? (
          <Empty>Not run yet.</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Run</th>
                <th>Started by</th>
                <th class="hide-narrow">Branch · revision</th>
                <th class="hide-narrow">Duration</th>
                <th>When</th>
              </tr>
            </thead>
            <tbody>
              {runs.items.map(({ execution: e }) => (
                <tr data-execution={String(e.id)}>
                  <td>
                    <a href={links.execution(ws, project.name, id, e.id)}>
                      <Status status={e.status} /> #{e.id}
                    </a>
                    {e.comment && <div class="muted">{e.comment}</div>}
                  </td>
                  <td>{triggerText(e, creators.get(e.creatorId) ?? '')}</td>
                  <td class="hide-narrow mono">
                    {e.revision?.branch ?? e.requestedBranch ?? '—'} · {e.revision?.sha.slice(0, 7) ?? '—'}
                  </td>
                  <RunTimeCells execution={e} now={now} />
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pager path={here} page={page} count={runs.items.length} perPage={PER_PAGE} />
      </Layout>
    );
  };

  router.page('/:domain/:project_name/pipelines/pipeline/:pipeline_id', 'EXECUTION_INFO', (r) => render(r));
  router.form('/:domain/:project_name/pipelines/pipeline/:pipeline_id/run', 'EXECUTION_RUN', async (r) => {
    const { ctx, params, form } = r;
    const ws = params.domain!;
    const id = idParam(params.pipeline_id, 'pipeline');
    try {
      const offered = await useCases.executions.runForm(ctx.caller, ws, params.project_name!, id);
      const view = await useCases.executions.run(
        ctx.caller,
        ws,
        params.project_name!,
        id,
        runInputOf(form, offered.variables),
      );
      return { redirect: links.execution(ws, params.project_name!, id, view.execution.id) };
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500 || error.status === 404 || error.status === 403)
        throw error;
      return { page: await render(r, { values: runFormValues(form), error: error.message }), status: error.status };
    }
  });
}
