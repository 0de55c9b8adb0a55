/**
 * What any sealed value looks like, whatever its key: a version ("v1." unbound, "v2." bound to its owner), then
 * base64url of key id, nonce, tag and body (at least 32 bytes). Whether it opens is the Secrets port's question.
 */
const SEALED_FORM = /^v[12]\.[A-Za-z0-9_-]{43,}$/;

export function looksSealed(text: string): boolean {
  return SEALED_FORM.test(text);
}
