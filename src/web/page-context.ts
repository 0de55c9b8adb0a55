import type { Caller } from '../app/caller.js';
import { grants, type Scope } from '../domain/scopes.js';

/** What every page knows of its request: who asks, the form token, and what its token may do. */
export interface PageContext {
  caller: Caller;
  /** The session's anti-CSRF value, put in every form. */
  csrf: string;
  /** The page's own path (for the login redirect and the active link). */
  path: string;
  /** The asset URLs (content-hashed) of this server. */
  assets: AssetUrls;
}

export interface AssetUrls {
  css: string;
  /** The URL of an island's bundle by name (`execution`). */
  script(name: string): string;
}

/** Whether the page's token has the scope: pages hide what it forbids, and the routes refuse it anyway. */
export const can = (ctx: PageContext, scope: Scope): boolean => grants(ctx.caller.token.scopes, scope);
