import type { Platform } from './platform.js';

/** What one platform of a build came to. */
export interface PlatformResult {
  platform: Platform;
  digest: string;
  emulated: boolean;
  durationMs: number;
  cachedSteps: number;
  totalSteps: number;
  /** The image's size in the registry (config and compressed layers); null when it could not be read. */
  sizeBytes: number | null;
}

/**
 * A platform's image pushed by digest with no tag (a platform job of a build fanned out over agents), with what
 * the index that will list it needs: its manifest's media type and length.
 */
export interface PlatformImage extends PlatformResult {
  mediaType: string;
  manifestSize: number;
}

/** What a platform image says of its build, without what only an index entry needs. */
export function platformResultOf(image: PlatformImage): PlatformResult {
  const { mediaType: _mediaType, manifestSize: _manifestSize, ...result } = image;
  return result;
}
