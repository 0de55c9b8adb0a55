import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { ValidationError } from '../domain/errors.js';
import { describeSchemaIssues } from './errors.js';

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

const formAjv = addFormats(
  new Ajv({ useDefaults: true, removeAdditional: true, allErrors: false, strict: false, coerceTypes: false }),
);
const compiledBodies = new WeakMap<object, ReturnType<Ajv['compile']>>();

/**
 * Checks a body built elsewhere (the web app's forms, turned into the API's JSON) against a route's body schema,
 * with the API's words on failure: a form is held to exactly the limits of the JSON it stands for.
 */
export function validateBody(schema: object, value: unknown): void {
  let validate = compiledBodies.get(schema);
  if (!validate) {
    validate = formAjv.compile(schema);
    compiledBodies.set(schema, validate);
  }
  if (!validate(value)) throw new ValidationError(describeSchemaIssues(validate.errors ?? [], 'body'));
}
