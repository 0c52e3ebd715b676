import fs from 'node:fs/promises';

/** Resident set size of a process in bytes, from /proc/<pid>/status; undefined where there is no /proc. */
export async function processRss(pid: number): Promise<number | undefined> {
  const text = await fs.readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const kb = text ? /^VmRSS:\s+(\d+)\s+kB/m.exec(text)?.[1] : undefined;
  return kb === undefined ? undefined : Number(kb) * 1024;
}
