import { ValidationError } from './errors.js';

export const PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6'] as const;
export type Platform = (typeof PLATFORMS)[number];
export const DEFAULT_PLATFORMS: readonly Platform[] = ['linux/amd64'];

/** A platform's os, architecture and variant ('' when it has none), as image configs name them. */
export function platformParts(platform: Platform): { os: string; arch: string; variant: string } {
  const [os = 'linux', arch = '', variant = ''] = platform.split('/');
  return { os, arch, variant };
}

export function isPlatform(value: string): value is Platform {
  return (PLATFORMS as readonly string[]).includes(value);
}

/**
 * Parses a platform list from its stored or requested form. Values containing a `$VARIABLE` are kept as given
 * (resolved at run time); every other value must be one of PLATFORMS. Duplicates are dropped, order is kept.
 */
export function parsePlatforms(
  field: string,
  values: readonly string[],
  deferred: (value: string) => boolean = containsVariable,
): string[] {
  const out: string[] = [];
  for (const raw of values) {
    const value = raw.trim();
    if (value === '') continue;
    if (!isPlatform(value) && !deferred(value)) {
      throw new ValidationError(`"${field}" has an unsupported platform "${value}"; allowed: ${PLATFORMS.join(', ')}.`);
    }
    if (!out.includes(value)) out.push(value);
  }
  if (out.length === 0)
    throw new ValidationError(`"${field}" must name at least one platform; allowed: ${PLATFORMS.join(', ')}.`);
  return out;
}

export function containsVariable(value: string): boolean {
  return /\$(?:\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)/.test(value);
}
