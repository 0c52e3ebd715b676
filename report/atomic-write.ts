import { randomUUID } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';

/** Write-then-rename, so a reader (the history scan, a browser) never sees half a file. */
export async function writeAtomic(file: string, content: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, file);
}
