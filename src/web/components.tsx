import type { ComponentChildren } from 'preact';
import { durationText, STATUS_ICONS, timeText } from './display.js';

/** A status in Buddy's word with an icon, so it reads without colour too; the class gives the colour. */
export function Status(props: { status: string }) {
  return (
    <span class={`status status-${props.status.toLowerCase()}`} data-status={props.status}>
      <span aria-hidden="true">{STATUS_ICONS[props.status] ?? '?'}</span> {props.status}
    </span>
  );
}

/** A time as `2026-12-04 02:10:33 UTC` in a <time> element (the machine-readable value for scripts). */
export function Time(props: { at: Date | null }) {
  if (!props.at) return <span class="muted">—</span>;
  const iso = props.at.toISOString();
  return <time dateTime={iso}>{timeText(iso)}</time>;
}

export function Duration(props: { from: Date | null; to: Date | null; now: Date }) {
  if (!props.from) return <span class="muted">—</span>;
  const end = props.to ?? props.now;
  return (
    <span class="duration" data-start={props.from.toISOString()} data-running={props.to ? undefined : 'true'}>
      {durationText(end.getTime() - props.from.getTime())}
    </span>
  );
}

/** A button that POSTs (a form of its own, with the CSRF value): how a page changes anything. */
export function PostButton(props: {
  action: string;
  csrf: string;
  label: string;
  name?: string;
  fields?: Record<string, string>;
  variant?: 'primary' | 'danger' | 'plain';
}) {
  return (
    <form method="post" action={props.action} class="inline">
      <input type="hidden" name="_csrf" value={props.csrf} />
      {Object.entries(props.fields ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button type="submit" class={`button ${props.variant ?? 'plain'}`} name={props.name}>
        {props.label}
      </button>
    </form>
  );
}

/** Page links for a list of `perPage` rows: previous/next (a full page means there may be more). */
export function Pager(props: { path: string; page: number; count: number; perPage: number }) {
  const { path, page } = props;
  const prev = page > 1 ? `${path}?page=${page - 1}` : null;
  const next = props.count === props.perPage ? `${path}?page=${page + 1}` : null;
  if (!prev && !next) return null;
  return (
    <nav class="pager" aria-label="Pages">
      {prev ? <a href={prev}>← Newer</a> : <span />}
      <span class="muted">Page {page}</span>
      {next ? <a href={next}>Older →</a> : <span />}
    </nav>
  );
}

export function Empty(props: { children: ComponentChildren }) {
  return <p class="empty">{props.children}</p>;
}

/** A definition list of label → value; a row given as false or null is left out. */
export function Facts(props: { rows: ReadonlyArray<readonly [string, ComponentChildren] | false | null | ''> }) {
  const rows = props.rows.filter((r): r is readonly [string, ComponentChildren] => Boolean(r));
  return (
    <dl class="facts">
      {rows.map(([label, value]) => (
        <>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </>
      ))}
    </dl>
  );
}
