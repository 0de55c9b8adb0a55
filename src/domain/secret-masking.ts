/**
 * The one secret-masking rule set, used for build logs (agent and server), registry errors and git errors.
 *
 * Rules:
 * - Every hidden stretch is replaced by MASK ("***"), the marker build logs have always shown.
 * - A secret shorter than MIN_SECRET_LENGTH (4) characters, and an empty or missing one, is not masked: masking
 *   "a" or "ab" would garble every log line and give the secret away by where the markers fall.
 * - Each secret is hidden in every form it takes in text: plain; URL-encoded by encodeURIComponent, as a URL
 *   parser shows a userinfo part (only the reserved characters percent-encoded) and as a form/query value
 *   (space as "+"), each also with lower-case hex; JSON-escaped (inside a JSON string); and, for a
 *   {user, password} pair, the base64 of "user:password" (Basic auth headers, docker auth files), with and
 *   without its "=" padding.
 * - Every occurrence is found, also overlapping ones; occurrences that overlap (a secret containing or
 *   overlapping another, of any form) become one marker, so no part of either is shown. Forms are tried
 *   longest first.
 * - The password of any `scheme://user:password@` in the text is hidden even when it is no known secret.
 * - Secrets are matched as literal text (no pattern syntax), case-sensitively. Never throws.
 */

export const MASK = '***';
export const MIN_SECRET_LENGTH = 4;

/** A user and its password: the password is hidden, and with a user also the Basic auth form of both. */
export interface SecretPair {
  user: string | null | undefined;
  password: string | null | undefined;
}

/** A value to hide; null, undefined and short values are ignored so callers can pass optional fields as they are. */
export type Secret = string | SecretPair | null | undefined;

/** `scheme://user:password@`: the password part is group 3. */
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]*):([^/@\s]*)@/gi;

function attempt(encode: () => string): string | undefined {
  try {
    return encode();
  } catch {
    return undefined; // encodeURIComponent throws on a lone surrogate
  }
}

function userinfoEncoded(value: string): string {
  const url = new URL('http://h');
  url.password = value;
  return url.password;
}

const lowerHex = (encoded: string) => encoded.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());

/** Every form of one secret that text may show it in (see the rules above); empty for an ignored secret. */
export function secretForms(secret: Secret): string[] {
  const pair = typeof secret === 'object' && secret !== null ? secret : { user: null, password: secret };
  const value = pair.password;
  if (!value || value.length < MIN_SECRET_LENGTH) return [];
  const forms = new Set<string>([value]);
  for (const encoded of [
    attempt(() => encodeURIComponent(value)),
    attempt(() => userinfoEncoded(value)),
    attempt(() => new URLSearchParams([['', value]]).toString().slice(1)),
  ]) {
    if (encoded === undefined) continue;
    forms.add(encoded);
    forms.add(lowerHex(encoded));
  }
  forms.add(JSON.stringify(value).slice(1, -1));
  if (pair.user) {
    const basic = Buffer.from(`${pair.user}:${value}`, 'utf8').toString('base64');
    forms.add(basic);
    forms.add(basic.replace(/=+$/, ''));
  }
  return [...forms];
}

/** Precomputes the forms of `secrets` once; the returned function masks a text (a log line, a message). */
export function createMasker(secrets: readonly Secret[]): (text: string) => string {
  const forms = [...new Set(secrets.flatMap(secretForms))].sort((a, b) => b.length - a.length);
  return (text) => {
    const ranges: Array<[number, number]> = [];
    for (const form of forms) {
      for (let at = text.indexOf(form); at !== -1; at = text.indexOf(form, at + 1)) {
        ranges.push([at, at + form.length]);
      }
    }
    if (text.includes('://')) {
      for (const m of text.matchAll(URL_USERINFO)) {
        const password = m[3] ?? '';
        if (password === '') continue;
        const end = m.index + m[0].length - 1; // before the "@"
        ranges.push([end - password.length, end]);
      }
    }
    if (ranges.length === 0) return text;
    ranges.sort((a, b) => a[0] - b[0]);
    let out = '';
    let copied = 0;
    let start = ranges[0]![0];
    let end = ranges[0]![1];
    for (const [s, e] of ranges) {
      if (s < end) {
        end = Math.max(end, e);
        continue;
      }
      out += text.slice(copied, start) + MASK;
      copied = end;
      start = s;
      end = e;
    }
    return out + text.slice(copied, start) + MASK + text.slice(end);
  };
}

/** Hides every secret in `text` by the rules above; for many texts with the same secrets use createMasker. */
export function maskSecrets(text: string, secrets: readonly Secret[]): string {
  return createMasker(secrets)(text);
}
