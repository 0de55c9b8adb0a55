/** The q-quantile of `values` (nearest rank), for latency figures. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/** One line of latency figures in milliseconds: n, p50, p99, max. */
export function reportLatency(name: string, values: number[]): void {
  console.log(
    `${name.padEnd(34)} n=${values.length}  p50 ${quantile(values, 0.5).toFixed(1)} ms  p99 ${quantile(values, 0.99).toFixed(1)} ms  max ${Math.max(...values).toFixed(1)} ms`,
  );
}
