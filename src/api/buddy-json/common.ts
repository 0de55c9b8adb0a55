import { ValidationError } from '../../domain/errors.js';
import { looksSealed } from '../../domain/sealed-form.js';
import { Type, type Static, type TSchema } from 'typebox';
import { LIMITS, Name } from './limits.js';

/** Buddy's error envelope. */
export const ErrorBody = Type.Object(
  { errors: Type.Array(Type.Object({ message: Type.String() })) },
  { $id: 'ErrorBody' },
);

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const DateString = Type.String({ format: 'date-time' });

export const PageQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.page, default: 1 })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.perPage, default: 20 })),
  sort_by: Type.Optional(Name()),
  sort_direction: Type.Optional(
    Type.Union([Type.Literal('ASC'), Type.Literal('DESC'), Type.Literal('asc'), Type.Literal('desc')]),
  ),
});
export type PageQuery = Static<typeof PageQuery>;

export function pageOf(query: PageQuery, sortable: readonly string[] = []) {
  if (query.sort_by !== undefined && !sortable.includes(query.sort_by)) {
    throw new ValidationError(`"sort_by" must be one of: ${sortable.join(', ') || '(none for this list)'}.`);
  }
  return {
    page: query.page ?? 1,
    perPage: query.per_page ?? 20,
    sortBy: query.sort_by,
    sortDirection: query.sort_direction?.toUpperCase() as 'ASC' | 'DESC' | undefined,
  };
}

/** `{url, html_url, <plural>: [...]}` */
export function listEnvelope<K extends string, T extends TSchema>(plural: K, item: T) {
  return Type.Object({ url: Type.String(), html_url: Type.String(), [plural]: Type.Array(item) } as {
    url: TSchema;
    html_url: TSchema;
  } & Record<K, TSchema>);
}

/** Dates go out as ISO-8601 UTC strings. */
export const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

/** Buddy returns sealed secrets with this prefix; a client may echo it back unchanged. */
export const SEALED_PREFIX = '!encrypted ';
export const showSealed = (sealed: string | null): string | null => (sealed === null ? null : SEALED_PREFIX + sealed);
/**
 * What a client sent for a secret field: its plain value, or a sealed value it read and echoes back (with the
 * prefix). An `!encrypted` value that is not in the sealed form is refused, never stored as literal text.
 */
export const readSealed = (text: string | null | undefined): string | null | undefined => {
  if (typeof text !== 'string' || !text.startsWith(SEALED_PREFIX)) return text;
  const sealed = text.slice(SEALED_PREFIX.length);
  if (!looksSealed(sealed))
    throw new ValidationError(
      'An "!encrypted …" value must be one this server returned, sent back unchanged; send the plain value instead.',
    );
  return sealed;
};
