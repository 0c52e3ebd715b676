/**
 * Progress lines for long operations: timestamped relative to the start, on stderr so --json
 * output on stdout stays machine-readable. Plain lines work in a TTY and in CI logs alike.
 */
export function progressPrinter(prefix = 'firedrill'): (message: string) => void {
  const t0 = Date.now();
  return (message: string) => {
    const s = ((Date.now() - t0) / 1000).toFixed(1).padStart(6);
    process.stderr.write(`${prefix} [${s}s] ${message}\n`);
  };
}
