import { access, constants } from 'node:fs/promises';
import type { Browser } from 'playwright-core';

// HTML to PDF through a headless Chromium. A machine without Chromium still gets every other
// format, so its absence is an expected outcome with a clear message, not an exception.

const DEFAULT_CHROMIUM = '/usr/bin/chromium';
const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export type PdfOutcome = { ok: true; file: string } | { ok: false; message: string };

export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.FIREDRILL_CHROMIUM || DEFAULT_CHROMIUM;
}

/** Whether a Chromium executable is available, and where it was looked for. */
export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<{ ok: boolean; path: string }> {
  const path = chromiumPath(env);
  try {
    await access(path, constants.X_OK);
    return { ok: true, path };
  } catch {
    return { ok: false, path };
  }
}

export async function renderPdf(html: string, outFile: string, opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<PdfOutcome> {
  const found = await findChromium(opts.env);
  if (!found.ok) {
    return { ok: false, message: `PDF not written: no Chromium at ${found.path} (install Chromium or set FIREDRILL_CHROMIUM to its path); the other formats are unaffected` };
  }
  const timeout = opts.timeoutMs ?? 60_000;
  let browser: Browser | undefined;
  try {
    // Loaded on first use: playwright-core adds about 70 MB to a process that never prints a PDF.
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: found.path, args: LAUNCH_ARGS, timeout });
    const page = await browser.newPage();
    // The report is self-contained: refuse any request so a PDF never depends on the network.
    await page.route('**/*', (route) => route.abort());
    await page.setContent(html, { waitUntil: 'load', timeout });
    await page.emulateMedia({ media: 'print' });
    await page.pdf({
      path: outFile,
      format: 'A4',
      printBackground: true,
      preferCSSPageSize: true,
      displayHeaderFooter: true,
      headerTemplate: '<span></span>',
      footerTemplate: '<div style="width:100%;font-size:8px;color:#555;text-align:center;font-family:sans-serif">page <span class="pageNumber"></span> of <span class="totalPages"></span></div>',
    });
    return { ok: true, file: outFile };
  } catch (err) {
    return { ok: false, message: `PDF not written: Chromium failed (${firstLine(err)}); the other formats are unaffected` };
  } finally {
    await browser?.close().catch(() => undefined);
  }
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0] ?? 'unknown error';
}
