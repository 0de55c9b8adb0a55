import type { IntegrationView } from '../../app/integrations.js';
import { Empty, Facts, Time } from '../components.js';
import { Layout } from '../layout.js';
import { links } from '../links.js';
import type { WebRouter } from '../router.js';
import type { WebDeps } from '../web-app.js';
import { crumbsOf } from './crumbs.js';

/** Who may use an integration: all pipelines, or the named ones. */
function Reach(props: { ws: string; view: IntegrationView }) {
  const { view } = props;
  if (view.integration.allPipelinesAllowed)
    return <>all pipelines{view.projectName ? ` of ${view.projectName}` : ''}</>;
  if (view.allowedPipelines.length === 0) return <span class="muted">no pipeline</span>;
  return (
    <>
      {view.allowedPipelines.map((p, i) => (
        <>
          {i > 0 && ', '}
          <a href={links.pipeline(props.ws, p.projectName, p.id)}>{p.name}</a>
        </>
      ))}
    </>
  );
}

/** A workspace's integrations and one integration: names, types, reach; the credentials never (write-only). */
export function integrationPages(router: WebRouter, { useCases }: WebDeps): void {
  router.page('/:domain/integrations', 'INTEGRATION_INFO', async ({ ctx, params }) => {
    const ws = params.domain!;
    const list = await useCases.integrations.list(ctx.caller, ws);
    return (
      <Layout ctx={ctx} title="Integrations" crumbs={crumbsOf(ws)}>
        {list.length === 0 ? (
          <Empty>No integrations yet: add one with POST /workspaces/{ws}/integrations.</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Integration</th>
                <th>Type</th>
                <th class="hide-narrow">Scope</th>
                <th class="hide-narrow">Used by</th>
              </tr>
            </thead>
            <tbody>
              {list.map((view) => (
                <tr>
                  <td>
                    <a href={links.integration(ws, view.integration.hashId)}>{view.integration.name}</a>
                    <div class="muted mono">{view.integration.identifier}</div>
                  </td>
                  <td>{view.integration.type}</td>
                  <td class="hide-narrow">{view.integration.scope}</td>
                  <td class="hide-narrow">
                    <Reach ws={ws} view={view} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Layout>
    );
  });
  router.page('/:domain/integrations/:hash_id', 'INTEGRATION_INFO', async ({ ctx, params }) => {
    const ws = params.domain!;
    const view = await useCases.integrations.get(ctx.caller, ws, params.hash_id!);
    const i = view.integration;
    return (
      <Layout
        ctx={ctx}
        title={i.name}
        crumbs={[...crumbsOf(ws), { label: 'Integrations', href: links.integrations(ws) }]}
      >
        <Facts
          rows={[
            ['Type', i.type],
            ['Identifier', <code>{i.identifier}</code>],
            ['Hash id', <code>{i.hashId}</code>],
            ['Scope', i.scope === 'PROJECT' ? `project ${view.projectName ?? ''}` : 'workspace'],
            ['Used by', <Reach ws={ws} view={view} />],
            // What the API answers and no more: credentials (and their user names and key ids) are write-only.
            ['Credentials', <span class="muted">write-only; never shown</span>],
            ['Created', <Time at={i.createdAt} />],
          ]}
        />
      </Layout>
    );
  });
}
