/** `#L42` → line 41 (the UI numbers lines from 1, like GitHub), or null. */
export function lineOfHash(hash: string): number | null {
  const m = /^#L([1-9]\d{0,8})$/.exec(hash);
  return m ? Number(m[1]) - 1 : null;
}

export const hashOfLine = (n: number): string => `#L${n + 1}`;
