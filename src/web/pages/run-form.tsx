import type { SettableVariable } from '../../app/run-variables.js';
import type { RunInput } from '../../app/executions.js';
import { checked, optional, text, type FormFields } from '../form.js';

/** The values a run form was sent with, kept to show it again after a refusal. */
export interface RunFormValues {
  branch: string;
  revision: string;
  comment: string;
  clearCache: boolean;
  variables: Record<string, string>;
}

const VARIABLE_FIELD = 'var:';

export function runFormValues(form: FormFields): RunFormValues {
  const variables: Record<string, string> = {};
  for (const [name, values] of Object.entries(form))
    if (name.startsWith(VARIABLE_FIELD)) variables[name.slice(VARIABLE_FIELD.length)] = values[0] ?? '';
  return {
    branch: text(form, 'branch') ?? '',
    revision: text(form, 'revision') ?? '',
    comment: text(form, 'comment') ?? '',
    clearCache: checked(form, 'clear_cache'),
    variables,
  };
}

/**
 * The run of a form, as `POST …/executions` would take it: a variable is passed only when changed from what is in
 * force (an encrypted one only when something was typed: its value is never in the page).
 */
export function runInputOf(form: FormFields, offered: SettableVariable[]): RunInput {
  const values = runFormValues(form);
  const variables = offered.flatMap((v) => {
    const sent = values.variables[v.key];
    if (sent === undefined || (v.encrypted ? sent === '' : sent === v.value)) return [];
    return [{ key: v.key, value: sent, encrypted: v.encrypted }];
  });
  return {
    branch: optional(form, 'branch'),
    revision: optional(form, 'revision'),
    comment: optional(form, 'comment'),
    clearCache: values.clearCache,
    ...(variables.length ? { variables } : {}),
  };
}

/** The Run form: branch or revision, comment, clear cache, and the pipeline's settable variables. */
export function RunForm(props: {
  action: string;
  csrf: string;
  defaultBranch: string;
  variables: SettableVariable[];
  values?: RunFormValues;
  error?: string;
}) {
  const v = props.values;
  return (
    <form method="post" action={props.action} class="form panel" id="run">
      <input type="hidden" name="_csrf" value={props.csrf} />
      {props.error && (
        <p class="alert" role="alert">
          {props.error}
        </p>
      )}
      <div class="checks">
        <label>
          Branch
          <input type="text" name="branch" value={v?.branch ?? props.defaultBranch} maxLength={255} />
        </label>
        <label>
          Revision <span class="hint">(a commit sha; empty: the branch's newest)</span>
          <input type="text" name="revision" value={v?.revision ?? ''} maxLength={255} />
        </label>
      </div>
      <label>
        Comment
        <input type="text" name="comment" value={v?.comment ?? ''} maxLength={1000} />
      </label>
      <label class="check">
        <input type="checkbox" name="clear_cache" value="1" checked={v?.clearCache ?? false} /> Clear the layer cache
        first
      </label>
      {props.variables.length > 0 && (
        <fieldset>
          <legend>Variables</legend>
          {props.variables.map((variable) => (
            <label>
              <span class="mono">{variable.key}</span>
              {variable.encrypted ? (
                <input
                  type="password"
                  name={`${VARIABLE_FIELD}${variable.key}`}
                  placeholder="encrypted — leave empty to keep"
                  autocomplete="off"
                />
              ) : (
                <input
                  type="text"
                  name={`${VARIABLE_FIELD}${variable.key}`}
                  value={v?.variables[variable.key] ?? variable.value ?? ''}
                />
              )}
              {variable.description && <span class="hint">{variable.description}</span>}
            </label>
          ))}
        </fieldset>
      )}
      <div>
        <button type="submit" class="button primary">
          Run
        </button>
      </div>
    </form>
  );
}
