import { findChromium } from '../report/pdf.js';
import { run, which } from './exec.js';
import { withLock } from './lock.js';
import { cacheRoot } from './paths.js';
import type { Progress } from './provision.js';

/**
 * PDF reports and the browser test need Chromium. Where it is missing and apt can install it
 * (root on Debian/Ubuntu), install Debian's package; otherwise say so and carry on without PDF.
 */
export async function ensureChromium(progress: Progress): Promise<{ ok: boolean; message?: string }> {
  if ((await findChromium()).ok) return { ok: true };
  const apt = await which('apt-get');
  if (!apt || process.getuid?.() !== 0) {
    return { ok: false, message: 'Chromium not found (set FIREDRILL_CHROMIUM or install the chromium package): PDF reports are skipped' };
  }
  return withLock(cacheRoot(), 'apt', async () => {
    if ((await findChromium()).ok) return { ok: true };
    progress('installing chromium with apt-get (for PDF reports)');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    let res = await run(apt, ['install', '-y', '-q', 'chromium'], { env });
    if (res.code !== 0) {
      await run(apt, ['update', '-q'], { env });
      res = await run(apt, ['install', '-y', '-q', 'chromium'], { env });
    }
    if ((await findChromium()).ok) return { ok: true };
    return { ok: false, message: `apt-get install chromium failed: ${res.stderr.slice(-500)}` };
  });
}
