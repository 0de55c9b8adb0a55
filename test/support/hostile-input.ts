import fc from 'fast-check';

/**
 * fast-check arbitraries for a bad-input suite, driven by the JSON Schemas of the OpenAPI document: values a
 * schema allows ("valid-looking", including its boundaries), values it does not (wrong types, huge strings and
 * numbers, deep nesting, NUL, lone surrogates, prototype-pollution keys), and raw payloads that are not JSON at all.
 */
export type Schema = Record<string, any>;

/** Values that often pass a schema and reach the use cases: names, paths, platforms, refs Archway knows. */
const PLAUSIBLE = [
  'acme',
  'company-website',
  'Build',
  'build-2',
  'Dockerfile',
  '/context',
  'linux/amd64',
  'linux/amd64,linux/arm64',
  'main',
  'refs/heads/*',
  'API_URL',
  'KEY=value',
  'registry.example.com',
  'acme/site',
  'latest',
  'DOCKER_BUILD_MULTI_ARCH',
  'DOCKER_HUB',
  'WORKSPACE',
  'VAR',
  'FILE',
  '0 2 * * *',
  '2026-01-01T00:00:00Z',
  '600',
  'https://example.com/repo.git',
  '127.0.0.1/32',
];

const UNICODE_EDGES = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  'x\uDBFFy',
  '\uDC00\uD800',
  '\uFEFF',
  '\u202Eevil',
  '\u2028\u2029',
  '💥',
  'e\u0301',
  '\r\n',
  '\t',
  '\u001b[31m',
  '../../etc/passwd',
  '%00',
  '%E0%A4%A',
  "'; DROP TABLE workspaces; --",
  '__proto__',
  'constructor',
  'prototype',
  'null',
  'true',
  '1e20',
  '-1',
  'NaN',
  'Infinity',
  '<script>alert(1)</script>',
  '!encrypted ',
  '!encrypted v1.AAAA',
  '!encrypted v2.' + 'A'.repeat(60),
  '${BUDDY_EXECUTION_ID}',
];

const HUGE_NUMBERS = [
  0,
  -0,
  -1,
  0.5,
  1e-300,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53 + 2,
  Number.MAX_SAFE_INTEGER,
  1e20,
  -1e20,
  1e308,
  -1e308,
];

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '', '\u0000'];

const unit = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.constantFrom('\u0000', '\u0001', '\u007f', '\u00ad', '\u200b') },
);
/** A short string of any code units: ASCII mostly, then any code point, lone surrogates and controls. */
export const wildString = fc.string({ unit, maxLength: 24 });

/** A string of `length` characters (built once per case, cheap even for a megabyte). */
export const longString = (length: number) =>
  fc.tuple(fc.constantFrom('a', 'é', '💥', '\u0000', ' '), fc.constantFrom(0, -1, 1)).map(([c, d]) => {
    const n = Math.max(0, length + d);
    return c === '💥' ? c.repeat(Math.ceil(n / 2)) : c.repeat(n);
  });

/** A value nested `depth` levels deep, as an object (for depths JSON.stringify manages). */
export const deepValue = fc.tuple(fc.integer({ min: 3, max: 300 }), fc.boolean()).map(([depth, arrays]) => {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
  return v;
});

/** An object with prototype-pollution and other odd own keys. */
export const protoObject = fc
  .array(fc.tuple(fc.constantFrom(...PROTO_KEYS), fc.oneof(fc.constant({ polluted: true }), fc.integer())), {
    minLength: 1,
    maxLength: 3,
  })
  .map((pairs) => {
    const o: Record<string, unknown> = {};
    for (const [k, v] of pairs) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true });
    return o;
  });

/** Any JSON value of some other type than a schema wants, big numbers, edge strings, deep or odd objects. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...UNICODE_EDGES) },
  { weight: 2, arbitrary: wildString },
  { weight: 2, arbitrary: fc.constantFrom(...HUGE_NUMBERS) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(fc.oneof(fc.integer(), wildString, fc.constant(null)), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constant([]) },
  { weight: 1, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: deepValue },
  { weight: 1, arbitrary: protoObject },
  { weight: 1, arbitrary: longString(5000) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 2000 }).map((n) => Array.from({ length: n }, () => 'x')) },
);

const isClean = (schema: Schema) => typeof schema.pattern === 'string' && schema.pattern.startsWith('^[^\\u0000');

function validString(schema: Schema): fc.Arbitrary<string> {
  const max: number = schema.maxLength ?? 64;
  const min: number = schema.minLength ?? 0;
  if (schema.format === 'date-time')
    return fc.date({ noInvalidDate: true, min: new Date(0) }).map((d) => d.toISOString());
  if (typeof schema.pattern === 'string' && !isClean(schema)) return fc.stringMatching(new RegExp(schema.pattern));
  const options: Array<fc.Arbitrary<string>> = [
    fc.constantFrom(...PLAUSIBLE).filter((s) => s.length >= min && s.length <= max),
    fc.string({ unit: 'grapheme-ascii', minLength: min, maxLength: Math.min(max, 40) }),
    // The boundary: exactly as long as allowed (one character more is the hostile side's).
    fc.constant('b'.repeat(Math.max(min, max))),
  ];
  return fc.oneof(...options);
}

/** A value the schema allows (or nearly: enough to get past it and into the use case). */
export function validValue(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.anyOf) return fc.oneof(...(schema.anyOf as Schema[]).map((s) => validValue(s, depth)));
  switch (schema.type) {
    case 'string':
      return validString(schema);
    case 'integer': {
      const min: number = schema.minimum ?? -1000;
      const max: number = schema.maximum ?? 1000;
      return fc.oneof(
        fc.integer({ min: Math.max(min, -1000), max: Math.min(max, 1000) }),
        fc.constantFrom(min, max, 1, 2),
      );
    }
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true, min: schema.minimum, max: schema.maximum });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      if (depth > 3) return fc.constant([]);
      return fc.array(validValue(schema.items ?? {}, depth + 1), {
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      });
    case 'object':
      return depth > 3 ? fc.constant({}) : validObject(schema, depth);
    default:
      return fc.oneof(fc.constant('x'), fc.integer(), fc.boolean(), fc.constant(null));
  }
}

function validObject(schema: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const props = Object.entries((schema.properties ?? {}) as Record<string, Schema>);
  const required = new Set<string>(schema.required ?? []);
  const model = Object.fromEntries(props.map(([k, s]) => [k, validValue(s, depth + 1)]));
  return fc.record(model, { requiredKeys: props.map(([k]) => k).filter((k) => required.has(k)) });
}

/**
 * A value for one field: mostly what the schema allows, else hostile, with the boundaries of a string's limit
 * (`maxLength` and one more) and of an integer's (`maximum` and one more) on the hostile side too.
 */
export function fieldValue(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  const edges: Array<fc.Arbitrary<unknown>> = [];
  const strings = [schema, ...((schema.anyOf as Schema[] | undefined) ?? [])].filter((s) => s.type === 'string');
  for (const s of strings) if (s.maxLength) edges.push(longString(s.maxLength + 1));
  if (typeof schema.maximum === 'number') edges.push(fc.constant(schema.maximum + 1));
  if (typeof schema.minimum === 'number') edges.push(fc.constant(schema.minimum - 1));
  if (typeof schema.maxItems === 'number')
    edges.push(fc.constant(Array.from({ length: schema.maxItems + 1 }, () => 'x')));
  return fc.oneof(
    { weight: 5, arbitrary: validValue(schema, depth) },
    { weight: 4, arbitrary: hostileValue },
    { weight: edges.length ? 2 : 0, arbitrary: edges.length ? fc.oneof(...edges) : fc.constant(null) },
  );
}

/**
 * A body object for the schema: either any mix of allowed, hostile and missing fields, or an allowed body with one
 * or two fields made hostile (which gets further into the use cases); plus, now and then, odd or polluting keys.
 */
export function bodyObject(schema: Schema, good: Record<string, unknown> = {}): fc.Arbitrary<Record<string, unknown>> {
  const props = Object.entries((schema.properties ?? {}) as Record<string, Schema>);
  const mixed = fc.record(Object.fromEntries(props.map(([k, s]) => [k, fieldValue(s)])), { requiredKeys: [] });
  // A body the route accepts (`good`, else fields the schema allows), then none, one or two fields made hostile.
  const base = Object.keys(good).length
    ? fc.constant(good)
    : fc.record(Object.fromEntries(props.map(([k, s]) => [k, validValue(s)])), { requiredKeys: [] });
  const mutated = props.length
    ? fc
        .tuple(
          base,
          fc.array(
            fc.constantFrom(...props).chain(([k, s]) => fieldValue(s).map((v): [string, unknown] => [k, v])),
            { maxLength: 2 },
          ),
        )
        .map(([valid, bad]) => ({ ...valid, ...Object.fromEntries(bad) }))
    : mixed;
  const fields = fc.oneof(mixed, mutated);
  const extra = fc.oneof(
    { weight: 6, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: protoObject },
    { weight: 1, arbitrary: fc.dictionary(wildString, hostileValue, { maxKeys: 3 }) },
  );
  return fc.tuple(fields, extra).map(([f, e]) => {
    const o: Record<string, unknown> = { ...f };
    for (const [k, v] of Object.entries(e)) Object.defineProperty(o, k, { value: v, enumerable: true });
    return o;
  });
}

/** A raw request body: its text (or bytes) and content type, for what JSON.stringify cannot make. */
export interface RawBody {
  payload: string | Buffer | undefined;
  contentType: string | undefined;
}

const nested = (depth: number, open: string, close: string, leaf = '1') =>
  open.repeat(depth) + leaf + close.repeat(depth);

export const rawBody: fc.Arbitrary<RawBody> = fc.oneof(
  fc.constantFrom<RawBody>(
    { payload: '{', contentType: 'application/json' },
    { payload: '{"a":', contentType: 'application/json' },
    { payload: "{'single':1}", contentType: 'application/json' },
    { payload: '{"a":1,}', contentType: 'application/json' },
    { payload: 'undefined', contentType: 'application/json' },
    { payload: 'NaN', contentType: 'application/json' },
    { payload: '', contentType: 'application/json' },
    { payload: undefined, contentType: 'application/json' },
    { payload: undefined, contentType: undefined },
    { payload: '{"__proto__":{"admin":true}}', contentType: 'application/json' },
    { payload: '{"constructor":{"prototype":{"admin":true}}}', contentType: 'application/json' },
    { payload: '{"name":"x"}', contentType: 'text/plain' },
    { payload: 'name=x', contentType: 'application/x-www-form-urlencoded' },
    { payload: '--x\r\n\r\n--x--', contentType: 'multipart/form-data; boundary=x' },
    { payload: '{"name":"x"}', contentType: 'application/json; charset=utf-16' },
    { payload: '{"name":"x"}', contentType: 'application/xml' },
    { payload: '{"name":"x"}', contentType: 'APPLICATION/JSON' },
    { payload: '{"name":"x"}', contentType: ';;;' },
    {
      payload: Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
      contentType: 'application/json',
    },
    { payload: Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), contentType: 'application/json' },
    { payload: Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]), contentType: 'application/json' },
  ),
  fc
    .tuple(fc.integer({ min: 1000, max: 200_000 }), fc.constantFrom(['[', ']'], ['{"a":', '}']))
    .map(([d, [o, c]]) => ({ payload: nested(d, o, c), contentType: 'application/json' })),
  fc.constant<RawBody>({ payload: JSON.stringify({ name: 'x'.repeat(1024 * 1024) }), contentType: 'application/json' }),
  fc.constant<RawBody>({
    payload: '{"trigger_conditions":[' + nested(5000, '{"a":', '}') + ']}',
    contentType: 'application/json',
  }),
);

/**
 * A path segment or query value as it goes on the wire: percent-encoded as UTF-8 where it can be, and where a
 * string has a lone surrogate (which UTF-8 cannot carry) the bytes a careless client would send.
 */
export function encodeText(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...text]
      .map((ch) => {
        const c = ch.charCodeAt(0);
        if (ch.length === 1 && c >= 0xd800 && c <= 0xdfff)
          return `%${(0xe0 | (c >> 12)).toString(16)}%${(0x80 | ((c >> 6) & 0x3f)).toString(16)}%${(0x80 | (c & 0x3f)).toString(16)}`;
        return encodeURIComponent(ch);
      })
      .join('');
  }
}

/** A hostile path segment or query value, already on the wire (some not even valid percent-encoding). */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: hostileValue.map((v) => encodeText(typeof v === 'string' ? v : JSON.stringify(v))) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', '%ED%A0%80', '%00', '..', '.', '%2F', '+'),
  },
  { weight: 1, arbitrary: fc.integer({ min: 90, max: 300 }).map((n) => 'a'.repeat(n)) },
);
