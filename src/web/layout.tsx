import type { ComponentChildren } from 'preact';
import type { AssetUrls, PageContext } from './page-context.js';

/** The tab icon, inline (CSP allows data: images), so a browser asks for no /favicon.ico (an API 401). */
const ICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Cpath d='M1 15 8 1l7 14z' fill='%232f6fdb'/%3E%3C/svg%3E";

export interface Crumb {
  label: string;
  href?: string;
}

/** The document every page shares: head with the stylesheet, the top bar (crumbs, who is logged in, log out). */
export function Document(props: { title: string; assets: AssetUrls; scripts?: string[]; children: ComponentChildren }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{`${props.title} · Archway`}</title>
        <link rel="icon" href={ICON} />
        <link rel="stylesheet" href={props.assets.css} />
        {(props.scripts ?? []).map((name) => (
          <script type="module" src={props.assets.script(name)} />
        ))}
      </head>
      <body>{props.children}</body>
    </html>
  );
}

export function Layout(props: {
  ctx: PageContext;
  title: string;
  crumbs?: Crumb[];
  scripts?: string[];
  actions?: ComponentChildren;
  children: ComponentChildren;
}) {
  const { ctx } = props;
  return (
    <Document title={props.title} assets={ctx.assets} scripts={props.scripts}>
      <header class="topbar">
        <a class="brand" href="/app">
          Archway
        </a>
        <nav class="crumbs" aria-label="Breadcrumb">
          {(props.crumbs ?? []).map((c) => (c.href ? <a href={c.href}>{c.label}</a> : <span>{c.label}</span>))}
        </nav>
        <div class="me">
          <a href="/app/my-id">{ctx.caller.user.name}</a>
          <form method="post" action="/app/logout" class="inline">
            <input type="hidden" name="_csrf" value={ctx.csrf} />
            <button type="submit" class="link">
              Log out
            </button>
          </form>
        </div>
      </header>
      <main>
        <div class="page-head">
          <h1>{props.title}</h1>
          {props.actions && <div class="page-actions">{props.actions}</div>}
        </div>
        {props.children}
      </main>
    </Document>
  );
}
