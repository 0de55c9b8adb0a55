import { Document } from '../layout.js';
import type { AssetUrls } from '../page-context.js';

/** The login form: one token, pasted once; the session acts as that token from then on. */
export function LoginPage(props: { assets: AssetUrls; csrf: string; next: string; error?: string }) {
  return (
    <Document title="Log in" assets={props.assets}>
      <main class="login">
        <h1>Log in to Archway</h1>
        {props.error && (
          <p class="alert" role="alert">
            {props.error}
          </p>
        )}
        <form method="post" action="/app/login" class="form panel">
          <input type="hidden" name="_csrf" value={props.csrf} />
          <input type="hidden" name="next" value={props.next} />
          <label>
            Token
            <input type="password" name="token" autocomplete="current-password" required autofocus />
          </label>
          <p class="hint">
            The token printed at the server's first start, or one made with <code>archway token create</code>. The pages
            show and allow what the token may.
          </p>
          <div>
            <button type="submit" class="button primary">
              Log in
            </button>
          </div>
        </form>
      </main>
    </Document>
  );
}
