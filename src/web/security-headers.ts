/**
 * Headers of every page: a Content-Security-Policy with no inline script or style (every script and stylesheet is
 * a file under /app/assets), no framing, no referrer beyond the origin, no MIME sniffing. A `<script>` that got
 * into a page anyway (it cannot: every text is escaped) would not run.
 */
export const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};
