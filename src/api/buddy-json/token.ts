import { Type, type Static } from 'typebox';
import type { TokenInput } from '../../app/tokens.js';
import type { AccessToken, User } from '../../domain/token.js';
import { iso, listEnvelope, Nullable } from './common.js';
import { Int, LIMITS, List, Name } from './limits.js';
import { paths, type Urls } from './urls.js';

export const UserJson = Type.Object(
  {
    url: Type.String(),
    html_url: Type.String(),
    id: Type.Integer(),
    name: Type.String(),
    email: Type.String(),
    avatar_url: Nullable(Type.String()),
    workspaces_url: Type.String(),
  },
  { $id: 'User' },
);

export const TokenJson = Type.Object(
  {
    url: Type.String(),
    html_url: Type.String(),
    id: Type.String(),
    name: Type.String(),
    token: Type.Optional(
      Type.String({ description: 'The secret value; only in the response that creates the token.' }),
    ),
    expires_at: Nullable(Type.String()),
    scopes: Type.Array(Type.String()),
    ip_restrictions: Type.Array(Type.String()),
    workspace_restrictions: Type.Array(Type.String()),
  },
  { $id: 'AccessToken' },
);
export const TokenListJson = listEnvelope('access_tokens', TokenJson);
export const TokenBody = Type.Object({
  name: Type.Optional(Name()),
  scopes: Type.Optional(List(Name())),
  workspace_restrictions: Type.Optional(List(Name())),
  ip_restrictions: Type.Optional(List(Name())),
  expires_in: Type.Optional(Nullable(Int(-LIMITS.tokenDays, LIMITS.tokenDays))),
});
export type TokenBody = Static<typeof TokenBody>;

export const tokenInput = (b: TokenBody): TokenInput => ({
  name: b.name,
  scopes: b.scopes,
  workspaceRestrictions: b.workspace_restrictions,
  ipRestrictions: b.ip_restrictions,
  expiresIn: b.expires_in,
});

export function userJson(urls: Urls, u: User): Static<typeof UserJson> {
  return {
    url: urls.api(paths.user()),
    html_url: urls.html(paths.htmlUser()),
    id: u.id,
    name: u.name,
    email: u.email,
    avatar_url: null,
    workspaces_url: urls.api(paths.workspaces()),
  };
}

export function tokenJson(urls: Urls, t: AccessToken, value?: string): Static<typeof TokenJson> {
  return {
    url: urls.api(paths.token(t.id)),
    html_url: urls.html(paths.htmlTokens()),
    id: t.id,
    name: t.name,
    ...(value !== undefined && { token: value }),
    expires_at: iso(t.expiresAt),
    scopes: t.scopes,
    ip_restrictions: t.ipRestrictions,
    workspace_restrictions: t.workspaceRestrictions,
  };
}

export function tokenListJson(urls: Urls, list: AccessToken[]) {
  return {
    url: urls.api(paths.tokens()),
    html_url: urls.html(paths.htmlTokens()),
    access_tokens: list.map((t) => tokenJson(urls, t)),
  };
}
