import type {
  FastifyInstance,
  RawServerDefault,
  FastifyBaseLogger,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { UseCases } from '../../app/use-cases.js';
import { Id, Name } from '../buddy-json/limits.js';
import type { Urls } from '../buddy-json/urls.js';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface RouteDeps {
  useCases: UseCases;
  urls: Urls;
  /** Aborted when the server starts shutting down: long-lived answers (long-polls, streams) end then. */
  closing: AbortSignal;
}

export const ErrorRef = Type.Ref('ErrorBody');
/** The error responses every authenticated route can give, for the OpenAPI document. */
export const errorResponses = { 400: ErrorRef, 401: ErrorRef, 403: ErrorRef, 404: ErrorRef, 429: ErrorRef };
export const DomainParams = Type.Object({ domain: Name() });
export const ProjectParams = Type.Object({ domain: Name(), project_name: Name() });
export const PipelineParams = Type.Object({ ...ProjectParams.properties, pipeline_id: Id() });
export const ActionParams = Type.Object({ ...PipelineParams.properties, action_id: Id() });
