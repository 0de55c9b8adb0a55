import type { ActionBody } from '../../api/buddy-json/action.js';
import { all, checked, text, type FormFields } from '../form.js';

/**
 * A posted action form as the API's JSON body (Buddy's field names: the inputs carry them as their `name`), so
 * Save goes through the very schema and use case `PATCH …/actions/:id` does. An empty optional field clears it
 * (null); an empty password keeps the stored one (it is write-only and never in the page); build args are one
 * per line; the platforms are four checkboxes.
 */
export function actionBodyOf(form: FormFields, opts: { cacheModeShown: boolean }): ActionBody {
  const nullable = (name: string) => {
    const value = text(form, name);
    return value ? value : null;
  };
  const int = (name: string) => {
    const value = text(form, name);
    if (!value) return undefined;
    const n = Number(value);
    return Number.isInteger(n) ? n : (value as unknown as number); // the schema names a non-integer
  };
  const password = form.password?.[0] ?? '';
  const body: Record<string, unknown> = {
    name: text(form, 'name') ?? '',
    dockerfile_path: text(form, 'dockerfile_path') ?? '',
    context_path: nullable('context_path'),
    target_stage: nullable('target_stage'),
    secret_id: nullable('secret_id'),
    secret_src: nullable('secret_src'),
    build_args: (form.build_args?.[0] ?? '')
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter(Boolean),
    target_platform: all(form, 'target_platform'),
    docker_image_tag: nullable('docker_image_tag'),
    docker_registry: nullable('docker_registry'),
    login: nullable('login'),
    integration_hash: nullable('integration_hash'),
    region: nullable('region'),
    registry: nullable('registry'),
    repository: nullable('repository'),
    trigger_time: text(form, 'trigger_time'),
    disabled: checked(form, 'disabled'),
    ignore_errors: checked(form, 'ignore_errors'),
    timeout: text(form, 'timeout') ? int('timeout') : null,
    retry_count: int('retry_count'),
    retry_interval: int('retry_interval'),
  };
  if (password !== '') body.password = password;
  if (opts.cacheModeShown) body.cache_mode = nullable('cache_mode');
  for (const [key, value] of Object.entries(body)) if (value === undefined) delete body[key];
  return body;
}

/** The form's fields a message can be shown at: the first one a message names in quotes. */
export const ACTION_FORM_FIELDS = [
  'name',
  'dockerfile_path',
  'context_path',
  'target_stage',
  'build_args',
  'secret_id',
  'secret_src',
  'target_platform',
  'docker_image_tag',
  'docker_registry',
  'login',
  'password',
  'integration_hash',
  'region',
  'registry',
  'repository',
  'cache_mode',
  'trigger_time',
  'timeout',
  'retry_count',
  'retry_interval',
] as const;

/** The field a validation message is about (`"dockerfile_path" must …`, `"build_args[2]" …`), or null. */
export function fieldOfMessage(message: string): string | null {
  for (const m of message.matchAll(/"([a-z_]+)(?:\[\d+\])?"/g))
    if ((ACTION_FORM_FIELDS as readonly string[]).includes(m[1]!)) return m[1]!;
  return null;
}
