import { ValidationError } from '../domain/errors.js';

/** A posted HTML form: each name with its values in order (checkboxes repeat a name). */
export type FormFields = Record<string, string[]>;

/** The most fields and the longest form the web app reads (the action form has ~30; build args repeat). */
export const FORM_LIMITS = { fields: 500, bytes: 256 * 1024 } as const;

export function parseForm(body: string): FormFields {
  const fields: FormFields = Object.create(null) as FormFields;
  let count = 0;
  for (const [name, value] of new URLSearchParams(body)) {
    if (++count > FORM_LIMITS.fields) throw new ValidationError(`The form has more than ${FORM_LIMITS.fields} fields.`);
    (fields[name] ??= []).push(value);
  }
  return fields;
}

/** The field's value, trimmed; undefined when absent. */
export function text(form: FormFields, name: string): string | undefined {
  return form[name]?.[0]?.trim();
}

/** The field's value, trimmed; null when absent or empty (an optional field left blank). */
export function optional(form: FormFields, name: string): string | null {
  const value = text(form, name);
  return value ? value : null;
}

/** A checkbox: present means on. */
export function checked(form: FormFields, name: string): boolean {
  return (form[name]?.length ?? 0) > 0;
}

export function all(form: FormFields, name: string): string[] {
  return form[name] ?? [];
}
