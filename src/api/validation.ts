import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * Two validators: JSON bodies are checked as sent (no type coercion: with coercion a `null` sent to clear a
 * nullable string became "" and `true` became "true"), while path and query parameters, which arrive as text,
 * are coerced to the declared number/boolean types.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const common: Options = { useDefaults: true, removeAdditional: true, allErrors: false, strict: false };
  const body = addFormats(new Ajv({ ...common, coerceTypes: false }));
  const text = addFormats(new Ajv({ ...common, coerceTypes: 'array' }));
  return ({ schema, httpPart }) => (httpPart === 'body' ? body : text).compile(schema as object);
}
