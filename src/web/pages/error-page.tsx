import { Document, Layout } from '../layout.js';
import type { AssetUrls, PageContext } from '../page-context.js';

const TITLES: Record<number, string> = {
  400: 'That did not work',
  403: 'Not allowed',
  404: 'Not found',
  409: 'That changed meanwhile',
  413: 'Too large',
  429: 'Too many requests',
};

/**
 * A page for an error: its title by status, the message (the API's words), a way back; inside the usual layout
 * (with its log-out form) when the request had a session.
 */
export function ErrorPage(props: { status: number; message: string; assets: AssetUrls; ctx?: PageContext }) {
  const title = TITLES[props.status] ?? (props.status >= 500 ? 'Something went wrong' : 'That did not work');
  const body = (
    <>
      <p class="alert" role="alert">
        {props.message}
      </p>
      <p>
        <a href="/app">Go to your workspaces</a>
      </p>
    </>
  );
  if (props.ctx)
    return (
      <Layout ctx={props.ctx} title={title}>
        {body}
      </Layout>
    );
  return (
    <Document title={title} assets={props.assets}>
      <main class="login">
        <h1>{title}</h1>
        {body}
      </main>
    </Document>
  );
}
