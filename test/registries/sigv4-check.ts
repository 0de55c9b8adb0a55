import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Test-only SigV4 checker (the verifying side, as AWS does it), so that the stand-ins can tell a request signed
 * with the right secret from one signed with a wrong secret. Production code never signs by hand: the SDK does.
 */
export type SigV4Result =
  | { ok: true; accessKeyId: string; region: string; service: string; sessionToken: string | null }
  | { ok: false; why: 'unsigned' | 'unknown-key' | 'bad-signature'; accessKeyId: string | null };

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/([0-9]{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function canonicalQuery(query: string): string {
  if (!query) return '';
  return query
    .split('&')
    .map((pair) => {
      const [k = '', v = ''] = pair.split('=');
      return [rfc3986(decodeURIComponent(k)), rfc3986(decodeURIComponent(v))] as const;
    })
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  return (Array.isArray(v) ? v.join(',') : (v ?? '')).trim().replace(/\s+/g, ' ');
}

/** Checks the Authorization header of a request against the secret of its access key id; throws only on a malformed query. */
export function checkSigV4(
  req: { method: string; url: string; headers: IncomingHttpHeaders; body: Buffer },
  secretFor: (accessKeyId: string) => string | undefined,
): SigV4Result {
  const m = AUTH.exec(headerValue(req.headers, 'authorization'));
  if (!m) return { ok: false, why: 'unsigned', accessKeyId: null };
  const [, accessKeyId = '', date = '', region = '', service = '', signedHeaders = '', signature = ''] = m;
  const secret = secretFor(accessKeyId);
  if (secret === undefined) return { ok: false, why: 'unknown-key', accessKeyId };
  const [path = '/', query = ''] = req.url.split('?');
  const names = signedHeaders.split(';');
  const canonicalHeaders = names.map((n) => `${n}:${headerValue(req.headers, n)}\n`).join('');
  const payloadHash = headerValue(req.headers, 'x-amz-content-sha256') || sha256(req.body);
  const canonical = [req.method, path, canonicalQuery(query), canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', headerValue(req.headers, 'x-amz-date'), scope, sha256(canonical)].join('\n');
  let key = hmac(`AWS4${secret}`, date);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  const expected = createHmac('sha256', key).update(toSign).digest();
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex')))
    return { ok: false, why: 'bad-signature', accessKeyId };
  const sessionToken = headerValue(req.headers, 'x-amz-security-token') || null;
  return { ok: true, accessKeyId, region, service, sessionToken };
}
