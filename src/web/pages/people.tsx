import { NotFoundError } from '../../domain/errors.js';
import { Empty, Facts, Time } from '../components.js';
import { Layout } from '../layout.js';
import { links } from '../links.js';
import { idParam, type WebRouter } from '../router.js';
import type { WebDeps } from '../web-app.js';
import { crumbsOf } from './crumbs.js';

/**
 * People: a workspace member's profile (the html_url of every `creator`), the session's own user, and its
 * tokens (names, scopes, reach, expiry; a token's value is shown once at creation by the API and never again).
 * A profile shows the name and email the API's member object carries, and only of someone the workspace knows:
 * its owner, the viewer, or the creator of one of its projects — not any user id one types.
 */
export function peoplePages(router: WebRouter, { useCases }: WebDeps): void {
  router.page('/:domain/profile/:member_id', 'WORKSPACE', async ({ ctx, params }) => {
    const ws = params.domain!;
    const id = idParam(params.member_id, 'member');
    const workspace = await useCases.workspaces.get(ctx.caller, ws);
    const projects = await useCases.projects.list(ctx.caller, ws, {}, { page: 1, perPage: 1000 });
    const known = id === workspace.ownerId || id === ctx.caller.user.id || projects.some((p) => p.createdById === id);
    const user = known ? await useCases.users.member(id) : null;
    if (!user || user.email === '') throw new NotFoundError(`No member ${id} in workspace "${ws}".`);
    return (
      <Layout ctx={ctx} title={user.name} crumbs={crumbsOf(ws)}>
        <Facts
          rows={[
            ['Name', user.name],
            ['Email', user.email],
            ['Role', id === workspace.ownerId ? 'owner of the workspace' : 'member'],
          ]}
        />
      </Layout>
    );
  });

  router.page('/my-id', 'USER_INFO', async ({ ctx }) => {
    const { user, token } = ctx.caller;
    return (
      <Layout ctx={ctx} title={user.name}>
        <Facts
          rows={[
            ['Name', user.name],
            ['Email', user.email],
            ['Since', <Time at={user.createdAt} />],
            ['Logged in with', `token "${token.name}"`],
            ['Its scopes', <span class="mono">{token.scopes.join(' ')}</span>],
          ]}
        />
        <p>
          <a href={links.tokens()}>Access tokens</a>
        </p>
      </Layout>
    );
  });

  router.page('/my-id/tokens', 'TOKEN_INFO', async ({ ctx }) => {
    const tokens = await useCases.tokens.list(ctx.caller, { page: 1, perPage: 200 });
    return (
      <Layout ctx={ctx} title="Access tokens" crumbs={[{ label: ctx.caller.user.name, href: links.me() }]}>
        {tokens.length === 0 ? (
          <Empty>No tokens.</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Scopes</th>
                <th class="hide-narrow">Workspaces</th>
                <th class="hide-narrow">Addresses</th>
                <th>Expires</th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => (
                <tr data-token={t.id}>
                  <td>
                    {t.name}
                    {t.id === ctx.caller.token.id && <span class="muted"> (this session's)</span>}
                  </td>
                  <td class="mono">{t.scopes.join(' ')}</td>
                  <td class="hide-narrow">{t.workspaceRestrictions.join(', ') || 'all'}</td>
                  <td class="hide-narrow mono">{t.ipRestrictions.join(', ') || 'any'}</td>
                  <td>{t.expiresAt ? <Time at={t.expiresAt} /> : 'never'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p class="hint">
          Tokens are made with <code>archway token create</code> or POST /user/tokens; their value is shown once.
        </p>
      </Layout>
    );
  });
}
