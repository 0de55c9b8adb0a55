import { actionInput, ActionBody } from '../../api/buddy-json/action.js';
import { validateBody } from '../../api/validation.js';
import type { Action } from '../../domain/action.js';
import { ValidationError } from '../../domain/errors.js';
import { cacheModeAllowed } from '../../domain/multi-arch-build.js';
import type { Pipeline } from '../../domain/pipeline.js';
import type { Project } from '../../domain/project.js';
import { can, type PageContext } from '../page-context.js';
import { Layout } from '../layout.js';
import { links } from '../links.js';
import { idParam, type FormOutcome, type WebRouter } from '../router.js';
import type { WebDeps } from '../web-app.js';
import { actionBodyOf, fieldOfMessage } from './action-form-fields.js';
import { ActionForm, formValuesOf, NEW_ACTION, postedValues, type ActionFormValues } from './action-form.js';
import { crumbsOf } from './crumbs.js';

const EDIT = '/:domain/:project_name/pipelines/action/:action_id/edit';
const NEW = '/:domain/:project_name/pipelines/pipeline/:pipeline_id/action/new';

/**
 * The DOCKER_BUILD_MULTI_ARCH action's edit form (its html_url) and the new-action form of a pipeline. Save
 * turns the form into the API's JSON body, checks it against the API's schema and writes it through the same
 * use case; a refusal shows the form again with the message at its field, in the API's words.
 */
export function actionPages(router: WebRouter, { useCases }: WebDeps): void {
  async function page(
    ctx: PageContext,
    at: { ws: string; project: Project; pipeline: Pipeline; action: Action | null },
    values: ActionFormValues,
    error?: string,
  ) {
    const { ws, project, pipeline, action } = at;
    const integrations = can(ctx, 'INTEGRATION_INFO')
      ? (await useCases.integrations.list(ctx.caller, ws))
          .map((view) => view.integration)
          .filter(
            (i) =>
              (i.scope !== 'PROJECT' || i.projectId === project.id) &&
              (i.allPipelinesAllowed || i.allowedPipelineIds.includes(pipeline.id)),
          )
      : [];
    const field = error ? fieldOfMessage(error) : null;
    const title = action ? `Edit ${action.name}` : 'New action';
    return (
      <Layout ctx={ctx} title={title} crumbs={crumbsOf(ws, project, pipeline)}>
        <p class="muted">
          {action ? `Action #${action.id}` : 'A new action'}, type DOCKER_BUILD_MULTI_ARCH, in pipeline{' '}
          <a href={links.pipeline(ws, project.name, pipeline.id)}>{pipeline.name}</a>.
        </p>
        <ActionForm
          action={action ? links.action(ws, project.name, action.id) : links.newAction(ws, project.name, pipeline.id)}
          csrf={ctx.csrf}
          values={values}
          errors={field ? { [field]: error! } : {}}
          general={error && !field ? error : undefined}
          integrations={integrations}
          cacheModeAllowed={cacheModeAllowed(pipeline.cacheScope)}
          cacheScope={pipeline.cacheScope}
          submit={action ? 'Save' : 'Add action'}
        />
      </Layout>
    );
  }

  /** The posted form as the API's body, held to the API's schema (ValidationError in the API's words). */
  function bodyOf(form: Record<string, string[]>, pipeline: Pipeline): ActionBody {
    const body = actionBodyOf(form, { cacheModeShown: cacheModeAllowed(pipeline.cacheScope) });
    validateBody(ActionBody, body);
    return body;
  }

  /** The project, pipeline and action an edit path names, under the caller's reach. */
  async function actionAt(ctx: PageContext, params: Record<string, string>) {
    const ws = params.domain!;
    const project = await useCases.projects.get(ctx.caller, ws, params.project_name!);
    const id = idParam(params.action_id, 'action');
    return { ws, project, id, ...(await useCases.actions.findInProject(ctx.caller, ws, project.name, id)) };
  }

  router.page(EDIT, 'EXECUTION_INFO', async ({ ctx, params }) => {
    const { ws, project, pipeline, action } = await actionAt(ctx, params);
    return page(ctx, { ws, project, pipeline, action }, formValuesOf(action));
  });
  router.form(EDIT, 'EXECUTION_MANAGE', async ({ ctx, params, form }): Promise<FormOutcome> => {
    const { ws, project, id, pipeline, action } = await actionAt(ctx, params);
    try {
      const input = actionInput(bodyOf(form, pipeline));
      await useCases.actions.update(ctx.caller, ws, project.name, pipeline.id, id, input);
      return { redirect: `${links.action(ws, project.name, id)}?saved=1` };
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const values = postedValues(form, formValuesOf(action));
      return { page: await page(ctx, { ws, project, pipeline, action }, values, error.message), status: 400 };
    }
  });

  /** The project and pipeline a new-action path names, under the caller's reach. */
  async function pipelineAt(ctx: PageContext, params: Record<string, string>) {
    const ws = params.domain!;
    const project = await useCases.projects.get(ctx.caller, ws, params.project_name!);
    const id = idParam(params.pipeline_id, 'pipeline');
    return { ws, project, pipeline: await useCases.pipelines.get(ctx.caller, ws, project.name, id) };
  }

  router.page(NEW, 'EXECUTION_MANAGE', async ({ ctx, params }) => {
    const { ws, project, pipeline } = await pipelineAt(ctx, params);
    return page(ctx, { ws, project, pipeline, action: null }, NEW_ACTION);
  });
  router.form(NEW, 'EXECUTION_MANAGE', async ({ ctx, params, form }): Promise<FormOutcome> => {
    const { ws, project, pipeline } = await pipelineAt(ctx, params);
    try {
      const body = { ...bodyOf(form, pipeline), type: 'DOCKER_BUILD_MULTI_ARCH' };
      const { action } = await useCases.actions.create(ctx.caller, ws, project.name, pipeline.id, actionInput(body));
      return { redirect: links.action(ws, project.name, action.id) };
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const values = postedValues(form, NEW_ACTION);
      return { page: await page(ctx, { ws, project, pipeline, action: null }, values, error.message), status: 400 };
    }
  });
}
