import { Empty } from '../components.js';
import { Layout } from '../layout.js';
import { links } from '../links.js';
import type { WebRouter } from '../router.js';
import type { WebDeps } from '../web-app.js';

/** `/app`: the workspaces the session's token reaches; one alone opens at once. */
export function workspacesPages(router: WebRouter, { useCases }: WebDeps): void {
  router.page('/', 'WORKSPACE', async ({ ctx }) => {
    const workspaces = await useCases.workspaces.list(ctx.caller, { page: 1, perPage: 100 });
    return (
      <Layout ctx={ctx} title="Workspaces">
        {workspaces.length === 0 ? (
          <Empty>This token reaches no workspace.</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Workspace</th>
                <th>Domain</th>
              </tr>
            </thead>
            <tbody>
              {workspaces.map((w) => (
                <tr>
                  <td>
                    <a href={links.workspace(w.domain)}>{w.name}</a>
                  </td>
                  <td class="mono">{w.domain}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Layout>
    );
  });
}
