import { describe, expect, it } from 'vitest';
import { parseSmaps, splitAnon } from '../../../bench/smaps.js';

const mapping = (range: string, perms: string, path: string, anonKb: number) =>
  `${range} ${perms} 00000000 00:00 0 ${path}\nSize: 4 kB\nRss: ${anonKb} kB\nAnonymous: ${anonKb} kB\n`;

describe('splitAnon', () => {
  it('tells the brk heap, a thread arena and other anonymous mappings apart', () => {
    const text = [
      mapping('555555554000-555555556000', 'r--p', '/usr/bin/node', 0),
      mapping('555556000000-555557000000', 'rw-p', '[heap]', 2048),
      // A thread arena: 64 MiB-aligned, 8 MiB in use and 56 MiB reserved after it.
      mapping('7f0000000000-7f0000800000', 'rw-p', '', 4096),
      mapping('7f0000800000-7f0004000000', '---p', '', 0),
      // An anonymous mapping at no arena boundary (a V8 page, a large malloc).
      mapping('7f1234540000-7f1234580000', 'rw-p', '', 256),
      mapping('7ffc00000000-7ffc00021000', 'rw-p', '[stack]', 12),
    ].join('');
    expect(splitAnon(parseSmaps(text))).toEqual({ brkMb: 2, arenasMb: 4, arenas: 1, otherMb: 0.3 });
  });

  it('does not take a 64 MiB-aligned mapping without its reserved rest for an arena', () => {
    const text = mapping('7f0000000000-7f0000100000', 'rw-p', '', 1024) + mapping('7f0000200000-7f0000300000', 'rw-p', '', 0);
    expect(splitAnon(parseSmaps(text))).toMatchObject({ arenas: 0, otherMb: 1 });
  });
});
