/** PATCH semantics: copies the keys of `patch` whose value is not undefined (null clears a field). */
export function assignDefined<T extends object>(target: T, patch: Partial<T>): T {
  const out = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}
