// Kubernetes resource quantities ("100m", "1.5", "64Mi", "1G", "12e6") as plain numbers.

const SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const FORM = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/;

/** The quantity in base units (cores, bytes); undefined when the text is not a quantity. */
export function parseQuantity(text: string | number | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (typeof text === 'number') return text;
  const m = FORM.exec(text.trim());
  if (!m) return undefined;
  if (m[2]) return Number(`${m[1]}${m[2]}`);
  return Number(m[1]) * (SUFFIX[m[3] ?? ''] ?? 1);
}

/** CPU in whole millicores, rounded up as the scheduler does. */
export function cpuMilli(text: string | number | undefined): number {
  const q = parseQuantity(text);
  return q === undefined ? 0 : Math.ceil(Math.round(q * 1e6) / 1e3);
}

/** Memory (or any byte quantity) in whole bytes, rounded up. */
export function bytes(text: string | number | undefined): number {
  const q = parseQuantity(text);
  return q === undefined ? 0 : Math.ceil(q);
}

export function formatCpu(milli: number): string {
  return milli % 1000 === 0 ? `${milli / 1000}` : `${milli}m`;
}

export function formatBytes(n: number): string {
  const units: Array<[string, number]> = [['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]];
  for (const [unit, size] of units) {
    if (Math.abs(n) >= size) {
      const v = n / size;
      return `${Number.isInteger(v) ? v : v.toFixed(1)}${unit}`;
    }
  }
  return `${n}`;
}
