/** The cookie that holds a browser's session (its value is random; the server keeps only its digest). */
export const SESSION_COOKIE = 'archway_session';

/** The named cookie of a `Cookie` header, or undefined. */
export function cookieOf(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/**
 * The Set-Cookie of a session: HttpOnly (no script reads it), SameSite=Lax (no cross-site POST carries it),
 * Secure when the server's public URL is https, scoped to the whole origin (the API's live log stream reads it).
 * No Max-Age: the server ends the session (idle, 7 days, its token); the browser drops it when it closes.
 */
export function sessionCookie(value: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure ? '; Secure' : ''}`;
}
