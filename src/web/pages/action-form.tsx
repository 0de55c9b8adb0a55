import type { ComponentChildren } from 'preact';
import { TRIGGER_TIMES, type Action } from '../../domain/action.js';
import type { Integration } from '../../domain/integration.js';
import { REGISTRY_INTEGRATION_TYPES } from '../../domain/integration.js';
import { CACHE_MODES, DOCKER_REGISTRIES, effectiveDockerRegistry } from '../../domain/multi-arch-build.js';
import { PLATFORMS } from '../../domain/platform.js';

/** What the form shows: the stored action, or what was posted (after a refusal), in Buddy's field names. */
export interface ActionFormValues {
  name: string;
  dockerfile_path: string;
  context_path: string;
  target_stage: string;
  secret_id: string;
  secret_src: string;
  build_args: string[];
  target_platform: string[];
  docker_image_tag: string;
  docker_registry: string;
  login: string;
  integration_hash: string;
  region: string;
  registry: string;
  repository: string;
  cache_mode: string;
  trigger_time: string;
  disabled: boolean;
  ignore_errors: boolean;
  timeout: string;
  retry_count: string;
  retry_interval: string;
  /** A password is stored (the form says so; it never holds it). */
  hasPassword: boolean;
}

export const NEW_ACTION: ActionFormValues = {
  name: 'Build multi-arch image',
  dockerfile_path: 'Dockerfile',
  context_path: '',
  target_stage: '',
  secret_id: '',
  secret_src: '',
  build_args: [],
  target_platform: ['linux/amd64', 'linux/arm64'],
  docker_image_tag: '',
  docker_registry: 'OTHER',
  login: '',
  integration_hash: '',
  region: '',
  registry: '',
  repository: '',
  cache_mode: '',
  trigger_time: 'ON_EVERY_EXECUTION',
  disabled: false,
  ignore_errors: false,
  timeout: '',
  retry_count: '0',
  retry_interval: '0',
  hasPassword: false,
};

export function formValuesOf(a: Action): ActionFormValues {
  const b = a.build;
  return {
    name: a.name,
    dockerfile_path: b.dockerfilePath,
    context_path: b.contextPath,
    target_stage: b.targetStage ?? '',
    secret_id: b.secretId ?? '',
    secret_src: b.secretSrc ?? '',
    build_args: b.buildArgs,
    target_platform: b.targetPlatforms,
    docker_image_tag: b.imageTag ?? '',
    docker_registry: effectiveDockerRegistry(b),
    login: b.login ?? '',
    integration_hash: b.integrationHash ?? '',
    region: b.region ?? '',
    registry: b.registry ?? '',
    repository: b.repository ?? '',
    cache_mode: b.cacheMode ?? '',
    trigger_time: a.triggerTime,
    disabled: a.disabled,
    ignore_errors: a.ignoreErrors,
    timeout: a.timeout === null ? '' : String(a.timeout),
    retry_count: String(a.retryCount),
    retry_interval: String(a.retryInterval),
    hasPassword: b.passwordEncrypted !== null,
  };
}

/** The posted form's values, to show it again with its errors (the password is never echoed). */
export function postedValues(form: Record<string, string[]>, stored: ActionFormValues): ActionFormValues {
  const one = (name: keyof ActionFormValues) => form[name]?.[0] ?? '';
  return {
    ...stored,
    name: one('name'),
    dockerfile_path: one('dockerfile_path'),
    context_path: one('context_path'),
    target_stage: one('target_stage'),
    secret_id: one('secret_id'),
    secret_src: one('secret_src'),
    build_args: one('build_args').split(/\r?\n/),
    target_platform: form.target_platform ?? [],
    docker_image_tag: one('docker_image_tag'),
    docker_registry: one('docker_registry'),
    login: one('login'),
    integration_hash: one('integration_hash'),
    region: one('region'),
    registry: one('registry'),
    repository: one('repository'),
    cache_mode: one('cache_mode') || stored.cache_mode,
    trigger_time: one('trigger_time'),
    disabled: (form.disabled?.length ?? 0) > 0,
    ignore_errors: (form.ignore_errors?.length ?? 0) > 0,
    timeout: one('timeout'),
    retry_count: one('retry_count'),
    retry_interval: one('retry_interval'),
  };
}

interface FieldProps {
  /** Buddy's field name; `password` is write-only and never given a value. */
  name: keyof ActionFormValues | 'password';
  label: string;
  hint?: ComponentChildren;
  errors: Record<string, string>;
  children?: ComponentChildren;
}

function Field(
  props: FieldProps & { values: ActionFormValues; type?: 'text' | 'password' | 'number'; placeholder?: string },
) {
  const error = props.errors[props.name];
  return (
    <label>
      {props.label}
      {props.children ?? (
        <input
          // preact types each input `type` apart (tsc needs the assertion; all three take these attributes)
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
          type={(props.type ?? 'text') as 'text'}
          name={props.name}
          value={props.name === 'password' ? '' : String(props.values[props.name] ?? '')}
          placeholder={props.placeholder}
          aria-invalid={error ? 'true' : undefined}
        />
      )}
      {props.hint && <span class="hint">{props.hint}</span>}
      {error && <span class="field-error">{error}</span>}
    </label>
  );
}

const REGISTRY_LABELS: Record<string, string> = {
  NONE: 'None (build only, push nothing)',
  OTHER: 'Private registry (login and password)',
  DOCKER_HUB: 'Docker Hub (integration)',
  AMAZON_ECR: 'Amazon ECR (integration, region)',
  GOOGLE_GCR: 'Google Container Registry (integration)',
  GOOGLE_ARTIFACT_REGISTRY: 'Google Artifact Registry (integration)',
  GIT_HUB_CONTAINER_REGISTRY: 'GitHub Container Registry',
  ARTIFACT_REGISTRY: 'Artifact Registry (integration)',
  DIGITAL_OCEAN_CONTAINER_REGISTRY: 'DigitalOcean Container Registry (integration)',
};

/**
 * The DOCKER_BUILD_MULTI_ARCH form, grouped Build / Platforms / Push / Cache / Run, with every field of the
 * seed under Buddy's name. The password is write-only; the integration is a select of those this pipeline may
 * use that a registry takes; cache_mode only where the pipeline's cache_scope allows one.
 */
export function ActionForm(props: {
  action: string;
  csrf: string;
  values: ActionFormValues;
  errors: Record<string, string>;
  general?: string;
  integrations: Integration[];
  cacheModeAllowed: boolean;
  cacheScope: string;
  submit: string;
}) {
  const { values: v, errors } = props;
  const f = { values: v, errors };
  const fitting = props.integrations.filter((i) => Object.values(REGISTRY_INTEGRATION_TYPES).includes(i.type));
  return (
    <form method="post" action={props.action} class="form" id="action-form" novalidate>
      <input type="hidden" name="_csrf" value={props.csrf} />
      {props.general && (
        <p class="alert" role="alert">
          {props.general}
        </p>
      )}
      <fieldset>
        <legend>Build</legend>
        <Field {...f} name="name" label="Name" />
        <Field
          {...f}
          name="dockerfile_path"
          label="Dockerfile path"
          hint="In the repository, e.g. Dockerfile or docker/app.Dockerfile."
        />
        <Field
          {...f}
          name="context_path"
          label="Context path"
          hint="The build context in the repository; empty: its root."
        />
        <Field {...f} name="target_stage" label="Target stage" hint="Build up to this stage (docker build --target)." />
        <Field {...f} name="build_args" label="Build args" hint="One KEY=value per line; $VARIABLES are replaced.">
          <textarea name="build_args" rows={4} aria-invalid={errors.build_args ? 'true' : undefined}>
            {v.build_args.join('\n')}
          </textarea>
        </Field>
        <Field {...f} name="secret_id" label="Secret id" hint="The id a RUN --mount=type=secret,id=… reads." />
        <Field
          {...f}
          name="secret_src"
          label="Secret source"
          hint="The file in the repository (or a $FILE variable) given as the secret."
        />
      </fieldset>
      <fieldset>
        <legend>Platforms</legend>
        <div class="checks" role="group" aria-label="target_platform">
          {PLATFORMS.map((p) => (
            <label class="check">
              <input type="checkbox" name="target_platform" value={p} checked={v.target_platform.includes(p)} /> {p}
            </label>
          ))}
        </div>
        {errors.target_platform && <span class="field-error">{errors.target_platform}</span>}
      </fieldset>
      <fieldset>
        <legend>Push</legend>
        <Field {...f} name="docker_registry" label="Registry">
          <select name="docker_registry">
            {DOCKER_REGISTRIES.map((r) => (
              <option value={r} selected={v.docker_registry === r}>
                {REGISTRY_LABELS[r] ?? r}
              </option>
            ))}
          </select>
        </Field>
        <Field
          {...f}
          name="docker_image_tag"
          label="Image tag"
          hint="e.g. latest or $BUDDY_EXECUTION_REVISION_SHORT."
        />
        <Field
          {...f}
          name="repository"
          label="Repository"
          hint="e.g. registry.example.com/team/app, or team/app on Docker Hub."
        />
        <Field
          {...f}
          name="registry"
          label="Registry host"
          hint="A private registry's host, or gcr.io / eu.gcr.io / …-docker.pkg.dev."
        />
        <Field {...f} name="login" label="Login" hint="For a private registry." />
        <Field
          {...f}
          name="password"
          label="Password"
          type="password"
          placeholder={v.hasPassword ? 'encrypted — leave empty to keep' : 'none stored'}
          hint={v.hasPassword ? 'A password is stored (encrypted); it is never shown.' : undefined}
        />
        <Field
          {...f}
          name="integration_hash"
          label="Integration"
          hint="Docker Hub, Amazon ECR and Google registries are reached through one."
        >
          <select name="integration_hash">
            <option value="">None</option>
            {v.integration_hash && !fitting.some((i) => i.hashId === v.integration_hash) && (
              <option value={v.integration_hash} selected>
                {v.integration_hash}
              </option>
            )}
            {fitting.map((i) => (
              <option value={i.hashId} selected={v.integration_hash === i.hashId}>
                {`${i.name} (${i.type})`}
              </option>
            ))}
          </select>
        </Field>
        <Field {...f} name="region" label="Region" hint="Amazon ECR's region, e.g. eu-central-1." />
      </fieldset>
      <fieldset>
        <legend>Cache</legend>
        {props.cacheModeAllowed ? (
          <Field
            {...f}
            name="cache_mode"
            label="Cache mode"
            hint="MIN keeps the layers on the agent; MAX also exports them to the registry."
          >
            <select name="cache_mode">
              <option value="">Default (MIN)</option>
              {CACHE_MODES.map((m) => (
                <option value={m} selected={v.cache_mode === m}>
                  {m}
                </option>
              ))}
            </select>
          </Field>
        ) : (
          <p class="hint">The pipeline's cache_scope is {props.cacheScope}: a cache mode needs WORKSPACE or PROJECT.</p>
        )}
      </fieldset>
      <fieldset>
        <legend>Run</legend>
        <Field {...f} name="trigger_time" label="When">
          <select name="trigger_time">
            {TRIGGER_TIMES.map((t) => (
              <option value={t} selected={v.trigger_time === t}>
                {t}
              </option>
            ))}
          </select>
        </Field>
        <Field {...f} name="timeout" label="Timeout (seconds)" type="number" hint="Empty: no limit of its own." />
        <Field {...f} name="retry_count" label="Retries" type="number" />
        <Field {...f} name="retry_interval" label="Seconds between retries" type="number" />
        <label class="check">
          <input type="checkbox" name="ignore_errors" value="1" checked={v.ignore_errors} /> Ignore errors (the run goes
          on if this fails)
        </label>
        <label class="check">
          <input type="checkbox" name="disabled" value="1" checked={v.disabled} /> Disabled
        </label>
      </fieldset>
      <div>
        <button type="submit" class="button primary">
          {props.submit}
        </button>
      </div>
    </form>
  );
}
