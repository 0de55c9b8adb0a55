import { Type } from 'typebox';
import type { Caller } from '../../app/caller.js';
import type { ExecutionView } from '../../app/executions.js';
import { ValidationError } from '../../domain/errors.js';
import { callerOf } from '../auth.js';
import { PageQuery, pageOf } from '../buddy-json/common.js';
import { Id, Int } from '../buddy-json/limits.js';
import {
  ActionExecutionDetailJson,
  actionExecutionJson,
  ExecutionJson,
  executionJson,
  ExecutionListJson,
  executionListJson,
  OperationBody,
  RunBody,
  runInput,
  type ExecutionContext,
} from '../buddy-json/execution.js';
import { errorResponses, PipelineParams, type App, type RouteDeps } from './deps.js';

export function executionRoutes(app: App, { useCases, urls }: RouteDeps): void {
  const uc = useCases.executions;
  const tags = ['Executions'];
  const base = '/workspaces/:domain/projects/:project_name/pipelines/:pipeline_id/executions';
  const ExecutionParams = Type.Object({ ...PipelineParams.properties, execution_id: Id() });
  const LogQuery = Type.Object({
    offset: Type.Optional(Int(0)),
    limit: Type.Optional(Int(1, 100_000)),
  });

  async function contextOf(
    caller: Caller,
    domain: string,
    projectName: string,
    pipelineId: number,
  ): Promise<ExecutionContext> {
    const project = await useCases.pipelines.projectOf(caller, domain, projectName);
    const pipeline = await useCases.pipelines.get(caller, domain, projectName, pipelineId);
    return { urls, domain, project, pipeline };
  }
  const render = async (c: ExecutionContext, v: ExecutionView) =>
    executionJson(c, v, await useCases.users.member(v.execution.creatorId));

  app.get(
    base,
    {
      schema: {
        tags,
        params: PipelineParams,
        querystring: PageQuery,
        response: { 200: ExecutionListJson, ...errorResponses },
      },
      config: { scope: 'EXECUTION_INFO' },
    },
    async (req) => {
      const { domain, project_name, pipeline_id } = req.params;
      const caller = callerOf(req);
      const page = pageOf(req.query);
      const { items, total } = await uc.list(caller, domain, project_name, pipeline_id, page);
      const c = await contextOf(caller, domain, project_name, pipeline_id);
      return executionListJson(c, await Promise.all(items.map((v) => render(c, v))), page, total);
    },
  );
  app.post(
    base,
    {
      schema: {
        tags,
        summary: 'Run the pipeline',
        params: PipelineParams,
        body: RunBody,
        response: { 200: ExecutionJson, ...errorResponses },
      },
      config: { scope: 'EXECUTION_RUN' },
    },
    async (req) => {
      const { domain, project_name, pipeline_id } = req.params;
      const caller = callerOf(req);
      const view = await uc.run(caller, domain, project_name, pipeline_id, runInput(req.body ?? {}));
      return render(await contextOf(caller, domain, project_name, pipeline_id), view);
    },
  );
  app.get(
    `${base}/:execution_id`,
    {
      schema: { tags, params: ExecutionParams, response: { 200: ExecutionJson, ...errorResponses } },
      config: { scope: 'EXECUTION_INFO' },
    },
    async (req) => {
      const { domain, project_name, pipeline_id, execution_id } = req.params;
      const caller = callerOf(req);
      return render(
        await contextOf(caller, domain, project_name, pipeline_id),
        await uc.get(caller, domain, project_name, pipeline_id, execution_id),
      );
    },
  );
  app.patch(
    `${base}/:execution_id`,
    {
      schema: {
        tags,
        params: ExecutionParams,
        body: OperationBody,
        response: { 200: ExecutionJson, ...errorResponses },
      },
      config: { scope: 'EXECUTION_RUN' },
    },
    async (req) => {
      const { domain, project_name, pipeline_id, execution_id } = req.params;
      const caller = callerOf(req);
      const op = req.body.operation;
      if (op !== 'CANCEL' && op !== 'RETRY')
        throw new ValidationError(`"operation" ${op} is not supported by Archway; use CANCEL or RETRY.`);
      const view =
        op === 'CANCEL'
          ? await uc.cancel(caller, domain, project_name, pipeline_id, execution_id)
          : await uc.retry(caller, domain, project_name, pipeline_id, execution_id);
      return render(await contextOf(caller, domain, project_name, pipeline_id), view);
    },
  );

  // Buddy serves one action execution (with its log) under three paths; so do we.
  const detail =
    (key: 'action_id' | 'hex_id') =>
    async (req: { params: Record<string, unknown>; query: { offset?: number; limit?: number } }, caller: Caller) => {
      const p = req.params as {
        domain: string;
        project_name: string;
        pipeline_id: number;
        execution_id: number;
        action_id?: number;
        hex_id?: string;
      };
      const found = await uc.actionExecution(
        caller,
        p.domain,
        p.project_name,
        p.pipeline_id,
        p.execution_id,
        key === 'hex_id' ? { hexId: p.hex_id } : { actionId: p.action_id },
        { offset: req.query.offset ?? 0, limit: req.query.limit ?? 10_000 },
      );
      const c = await contextOf(caller, p.domain, p.project_name, p.pipeline_id);
      return {
        ...actionExecutionJson(c, found.execution, found.actionExecution),
        log: found.log,
        log_offset: req.query.offset ?? 0,
        log_total_lines: found.total,
      };
    };
  const ByAction = Type.Object({ ...ExecutionParams.properties, action_id: Id() });
  const ByHex = Type.Object({
    ...ExecutionParams.properties,
    hex_id: Type.String({ pattern: '^[0-9a-f]{24}$', maxLength: 24 }),
  });
  const schema = (params: typeof ByAction | typeof ByHex) => ({
    tags,
    params,
    querystring: LogQuery,
    response: { 200: ActionExecutionDetailJson, ...errorResponses },
  });
  for (const segment of ['action', 'actions']) {
    app.get(
      `${base}/:execution_id/${segment}/:action_id`,
      { schema: schema(ByAction), config: { scope: 'EXECUTION_INFO' } },
      (req) => detail('action_id')(req, callerOf(req)),
    );
  }
  app.get(
    `${base}/:execution_id/action_executions/:hex_id`,
    { schema: schema(ByHex), config: { scope: 'EXECUTION_INFO' } },
    (req) => detail('hex_id')(req, callerOf(req)),
  );
}
