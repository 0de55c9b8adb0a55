import { can } from '../page-context.js';
import { Empty, Time } from '../components.js';
import { Layout } from '../layout.js';
import { links } from '../links.js';
import type { WebRouter } from '../router.js';
import type { WebDeps } from '../web-app.js';

/** `/app/:domain`: a workspace's projects, and its integrations and variables. */
export function workspacePages(router: WebRouter, { useCases }: WebDeps): void {
  router.page('/:domain', 'WORKSPACE', async ({ ctx, params }) => {
    const workspace = await useCases.workspaces.get(ctx.caller, params.domain!);
    const projects = await useCases.projects.list(ctx.caller, workspace.domain, {}, { page: 1, perPage: 200 });
    const ws = workspace.domain;
    return (
      <Layout
        ctx={ctx}
        title={workspace.name}
        crumbs={[{ label: workspace.name }]}
        actions={
          <>
            {can(ctx, 'INTEGRATION_INFO') && (
              <a class="button" href={links.integrations(ws)}>
                Integrations
              </a>
            )}
            {can(ctx, 'VARIABLE_INFO') && (
              <a class="button" href={links.workspaceVariables(ws)}>
                Variables
              </a>
            )}
          </>
        }
      >
        <h2>Projects</h2>
        {projects.length === 0 ? (
          <Empty>No projects yet: create one with POST /workspaces/{ws}/projects.</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Project</th>
                <th>Repository</th>
                <th class="hide-narrow">Status</th>
                <th class="hide-narrow">Created</th>
              </tr>
            </thead>
            <tbody>
              {projects.map((p) => (
                <tr>
                  <td>
                    <a href={links.project(ws, p.name)}>{p.displayName}</a>
                    <div class="muted mono">{p.name}</div>
                  </td>
                  <td class="mono">{p.repository.url ?? '—'}</td>
                  <td class="hide-narrow">{p.status}</td>
                  <td class="hide-narrow">
                    <Time at={p.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Layout>
    );
  });
}
