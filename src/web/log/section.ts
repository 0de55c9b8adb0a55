/**
 * A lane's lines split at each `STEP n/m`: one collapsible section per step, and a "setup" section for the lines
 * before the lane's first step. Shared lines (no platform) belong to no section and are always shown.
 */
export interface Section {
  id: number;
  platform: string;
  /** `setup`, or the step line's plain text (`[1/2] STEP 3/7: RUN make`). */
  title: string;
  /** The line number of its first line. */
  first: number;
  lines: number;
  /** The failing step: it holds an `Error:` line, or it is the last section of a lane that failed. */
  failed: boolean;
}

/**
 * Whether a section is open unless the reader toggled it: every section while the action runs (the tail is
 * what one watches); at the end, in a lane that failed, only its failing step, so the failure is what one sees.
 */
export function openByDefault(section: Section, ended: boolean, laneFailed: boolean): boolean {
  if (!ended || !laneFailed) return true;
  return section.failed;
}
