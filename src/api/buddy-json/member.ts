import { Type, type Static } from 'typebox';
import { paths, type Urls } from './urls.js';

/** The short member object Buddy embeds as `creator` / `created_by`. */
export const MemberJson = Type.Object({
  url: Type.String(),
  html_url: Type.String(),
  id: Type.Integer(),
  name: Type.String(),
  email: Type.String(),
  avatar_url: Type.Union([Type.String(), Type.Null()]),
});

export function memberJson(
  urls: Urls,
  domain: string,
  member: { id: number; name: string; email: string },
): Static<typeof MemberJson> {
  return {
    url: urls.api(paths.member(domain, member.id)),
    html_url: urls.html(paths.htmlMember(domain, member.id)),
    id: member.id,
    name: member.name,
    email: member.email,
    avatar_url: null,
  };
}
