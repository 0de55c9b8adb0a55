import { Type, type Static, type TObject, type TSchema } from 'typebox';

/**
 * The size limits of every request, in one table: every string of every request schema (bodies, query and path
 * parameters) has a `maxLength`, every array a `maxItems`, every open object a `maxProperties`, every integer a
 * `maximum`. Lengths are characters (code points, as JSON Schema counts them); bodies are also capped at 1 MiB
 * by Fastify (`bodyLimit` in app.ts), so a limit above that only documents the field.
 */
export const LIMITS = {
  /** Names, keys, handles, identifiers, ids sent as text, refs, tags, hosts, regions, logins, dates. */
  name: 255,
  /** Repository-relative paths (`dockerfile_path`, `context_path`, `file_path`, trigger paths). */
  path: 4096,
  /** Repository, registry and site URLs, image repositories. */
  url: 4096,
  /** Descriptions, comments, messages, templates, build args, a condition's value. */
  text: 4096,
  /** Passwords, access and secret keys. */
  secret: 4096,
  /** A Google service-account JSON key (`api_key`). */
  serviceAccountKey: 65_536,
  /** A variable's value (VAR, SSH_KEY). */
  value: 65_536,
  /** A FILE variable's value (when the request says `"type": "FILE"`). */
  fileValue: 524_288,
  /** Items of a list field: refs, tags, versions, build args, platforms, paths, scopes, restrictions, ids. */
  items: 100,
  /** Variables of an action or of a run. */
  variables: 200,
  /** Entries of a structured list: trigger conditions, events, role assumptions. */
  entries: 50,
  /** Keys of an open object (an event's or a trigger condition's own fields). */
  properties: 50,
  /** Ids and counts: what an id column holds (PostgreSQL's `serial` is a 32-bit integer). */
  int: 2_147_483_647,
  /** Timeouts and intervals in seconds: Node's timers hold at most 2^31-1 ms (longer ones fire at once). */
  seconds: 2_147_483,
  /** Days a token may be valid (`expires_in`): 100 years. */
  tokenDays: 36_500,
  /** List pages (`page`, 1-based) and their size (`per_page`, Buddy's maximum). */
  page: 1_000_000,
  perPage: 100,
} as const;

/** No NUL and no lone UTF-16 surrogate (ajv tests patterns with the `u` flag, so a valid pair is one code point). */
export const CLEAN_TEXT = '^[^\\u0000\\uD800-\\uDFFF]*$';

/** A string of at most `max` characters without NUL or lone surrogates. */
export const Text = (max: number, opts: { minLength?: number; description?: string } = {}) =>
  Type.String({ ...opts, maxLength: max, pattern: CLEAN_TEXT });
export const Name = (opts?: { minLength?: number; description?: string }) => Text(LIMITS.name, opts);
export const PathText = () => Text(LIMITS.path);
export const UrlText = () => Text(LIMITS.url);
export const LongText = () => Text(LIMITS.text);

/**
 * The most characters a sealed echo (`!encrypted v1.…`, base64url of nonce, tag and the UTF-8 bytes) of a plain
 * value of `max` characters can take: 3 UTF-8 bytes a character, 4/3 for base64, plus headroom for the envelope.
 */
export const sealedLength = (max: number) => 4 * max + 256;

/** A secret field: its plain value (at most `max`), or the sealed value a GET returned, echoed back. */
export const Sealable = (max: number) =>
  Type.Union([Text(max), Type.String({ pattern: '^!encrypted ', maxLength: sealedLength(max) })]);

/** A list of at most `max` items. */
export const List = <T extends TSchema>(item: T, max: number = LIMITS.items) => Type.Array(item, { maxItems: max });

/** An id (of a pipeline, an action, a variable, ...). */
export const Id = () => Type.Integer({ minimum: 1, maximum: LIMITS.int });
/** A whole number from `minimum` to `maximum` (default: what an integer column holds). */
export const Int = (minimum: number, maximum: number = LIMITS.int) => Type.Integer({ minimum, maximum });

/** A value inside an open object: text, a number, a boolean, null, or a list of those (so nesting stops there). */
const Scalar = Type.Union([LongText(), Type.Number(), Type.Boolean(), Type.Null()]);
export const DetailValue = Type.Union([Scalar, List(Scalar)]);

/**
 * An object whose fields Archway keeps as given (a trigger condition, an event's details): `known` fields with
 * their types, any other field a `DetailValue`, at most `LIMITS.properties` fields.
 */
export const OpenObject = <P extends Record<string, TSchema>>(known: P) =>
  Type.Unsafe<Static<TObject<P>> & Record<string, unknown>>(
    Type.Object(known, { additionalProperties: DetailValue, maxProperties: LIMITS.properties }),
  );

/**
 * Options for an object with a variable's `type` and `value`: the value may have `LIMITS.value` characters, or
 * `LIMITS.fileValue` when the same object says `"type": "FILE"` (an edit that sends only the value of a FILE
 * variable gets the smaller limit and a message saying so). Pair with `value: VariableValue`.
 */
export const VariableValue = Type.Union([Sealable(LIMITS.fileValue), Type.Null()]);
export const variableValueRule = {
  if: { type: 'object', properties: { type: { const: 'FILE' } }, required: ['type'] },
  then: {},
  else: { properties: { value: Type.Union([Sealable(LIMITS.value), Type.Null()]) } },
};
