/** Runs `fn` repeatedly for about `ms` of wall time and returns iterations and CPU seconds used. */
export function measure(ms: number, fn: () => void): { iterations: number; cpuSeconds: number } {
  const start = process.cpuUsage();
  const deadline = performance.now() + ms;
  let iterations = 0;
  while (performance.now() < deadline) {
    fn();
    iterations++;
  }
  const used = process.cpuUsage(start);
  return { iterations, cpuSeconds: (used.user + used.system) / 1e6 };
}
