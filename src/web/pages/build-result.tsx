import type { BuildSummary } from '../build-summary.js';
import { durationText } from '../display.js';

/**
 * The image that came out of a build: the index digest and its tags, and per platform its manifest digest, how it
 * ran (native or under QEMU), its time and cache hits, with a bar chart of the times (SVG: its sizes are
 * attributes, which a strict CSP allows, not inline styles). A bar is striped when emulated, pale when every step
 * came from the cache.
 */
export function BuildResult(props: { summary: BuildSummary }) {
  const { summary } = props;
  const longest = Math.max(1, ...summary.platforms.map((p) => p.seconds ?? 0));
  const row = 22;
  return (
    <section class="panel" id="build-result">
      <h2>Image</h2>
      {summary.indexDigest ? (
        <p>
          Index <code data-index-digest>{summary.indexDigest}</code> {summary.reused ? 'unchanged, tagged' : 'pushed'}{' '}
          as{' '}
          {summary.references.map((r, i) => (
            <>
              {i > 0 && ', '}
              <code>{r}</code>
            </>
          ))}
          {summary.seconds !== null && ` in ${durationText(summary.seconds * 1000)}`}
        </p>
      ) : (
        <p class="muted">No image index pushed (yet).</p>
      )}
      <table>
        <thead>
          <tr>
            <th>Platform</th>
            <th>Ran</th>
            <th>Manifest</th>
            <th>Size</th>
            <th>Time</th>
            <th>Cache</th>
          </tr>
        </thead>
        <tbody>
          {summary.platforms.map((p) => (
            <tr data-platform={p.platform}>
              <td class="mono">{p.platform}</td>
              <td>
                {p.emulated === null ? '—' : p.emulated ? 'emulated (QEMU)' : 'native'}
                {p.agent ? ` on ${p.agent}` : ''}
              </td>
              <td class="mono" title={p.digest ?? undefined}>
                {p.digest ? `${p.digest.slice(0, 19)}…` : '—'}
              </td>
              <td>{p.size ?? '—'}</td>
              <td>{p.seconds === null ? 'not finished' : durationText(p.seconds * 1000)}</td>
              <td>{p.totalSteps === null ? '—' : `${p.cachedSteps} of ${p.totalSteps} steps`}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <svg
        class="timing-chart"
        role="img"
        aria-label="Build time per platform"
        viewBox={`0 0 400 ${summary.platforms.length * row}`}
        width="100%"
        height={String(summary.platforms.length * row)}
        preserveAspectRatio="none"
      >
        {summary.platforms.map((p, i) => {
          const width = Math.max(2, ((p.seconds ?? 0) / longest) * 250);
          const cached = p.totalSteps !== null && p.totalSteps > 0 && p.cachedSteps === p.totalSteps;
          const kind = `${p.emulated ? 'bar-emulated' : 'bar-native'}${cached ? ' bar-cached' : ''}`;
          return (
            <g>
              <text x="0" y={String(i * row + 15)} class="bar-label">
                {p.platform.replace('linux/', '')}
              </text>
              <rect x="70" y={String(i * row + 4)} width={width.toFixed(1)} height="14" rx="2" class={kind}>
                <title>{`${p.platform}: ${p.seconds ?? '?'} s, ${p.emulated ? 'emulated' : 'native'}${cached ? ', all cached' : ''}`}</title>
              </rect>
              <text x={(74 + width).toFixed(1)} y={String(i * row + 15)} class="bar-value">
                {p.seconds === null ? '…' : `${p.seconds} s`}
              </text>
            </g>
          );
        })}
      </svg>
      <p class="hint">
        Bars: solid for native, a dashed outline for emulated with QEMU, pale when every step came from the cache.
      </p>
    </section>
  );
}
