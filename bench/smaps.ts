import fs from 'node:fs/promises';

// Where a process's anonymous memory lies, from /proc/<pid>/smaps: glibc's main arena (the brk
// heap), its thread arenas (64 MiB-aligned mappings of at most 64 MiB, the rest reserved), and
// every other anonymous mapping (V8's heap pages, large mallocs, thread stacks). Read beside
// the V8 heap's own figures, it tells native growth from the JavaScript heap's.

export interface AnonSplit {
  brkMb: number;
  arenasMb: number;
  arenas: number;
  otherMb: number;
}

const ARENA = 64 * 1024 * 1024;
const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

interface Mapping { start: bigint; end: bigint; perms: string; path: string; anonKb: number }

export function parseSmaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  let cur: Mapping | undefined;
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      cur = { start: BigInt(`0x${head[1]}`), end: BigInt(`0x${head[2]}`), perms: head[3] as string, path: head[4] ?? '', anonKb: 0 };
      out.push(cur);
      continue;
    }
    const anon = /^Anonymous:\s+(\d+) kB/.exec(line);
    if (anon && cur) cur.anonKb = Number(anon[1]);
  }
  return out;
}

export function splitAnon(maps: Mapping[]): AnonSplit {
  let brk = 0; let arenas = 0; let arenaCount = 0; let other = 0;
  maps.forEach((m, i) => {
    if (!m.anonKb) return;
    if (m.path === '[heap]') { brk += m.anonKb; return; }
    const next = maps[i + 1];
    // A thread arena: rw-p at a 64 MiB boundary, its reserved rest (---p) right after, 64 MiB in all.
    const aligned = m.start % BigInt(ARENA) === 0n && m.path === '' && m.perms.startsWith('rw');
    const whole = next && next.start === m.end && next.perms === '---p' && next.end - m.start === BigInt(ARENA);
    if (aligned && (whole || m.end - m.start === BigInt(ARENA))) { arenas += m.anonKb; arenaCount++; return; }
    other += m.anonKb;
  });
  return { brkMb: mb(brk * 1024), arenasMb: mb(arenas * 1024), arenas: arenaCount, otherMb: mb(other * 1024) };
}

export async function anonSplit(pid: number): Promise<AnonSplit> {
  return splitAnon(parseSmaps(await fs.readFile(`/proc/${pid}/smaps`, 'utf8')));
}
