import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureEntry } from '../../../devstack/provision.js';

describe('the tool cache', () => {
  let dir: string;
  const saved = process.env.FIREDRILL_CACHE_DIR;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'firedrill-cache-'));
    process.env.FIREDRILL_CACHE_DIR = dir;
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env.FIREDRILL_CACHE_DIR;
    else process.env.FIREDRILL_CACHE_DIR = saved;
    await fs.rm(dir, { recursive: true, force: true });
  });

  const fakeBuild = (counter: { builds: number }) => async (binDir: string) => {
    counter.builds++;
    await fs.writeFile(path.join(binDir, 'tool-a'), 'a'.repeat(1000));
    await fs.writeFile(path.join(binDir, 'tool-b'), 'b'.repeat(2000));
  };

  it('builds once, then serves the entry from the cache', async () => {
    const c = { builds: 0 };
    const first = await ensureEntry('fake', '1.0', ['tool-a', 'tool-b'], fakeBuild(c), () => undefined);
    const second = await ensureEntry('fake', '1.0', ['tool-a', 'tool-b'], fakeBuild(c), () => undefined);
    expect(c.builds).toBe(1);
    expect(second).toEqual(first);
    expect(first['tool-a']).toBe(path.join(dir, 'fake-1.0', 'bin', 'tool-a'));
  });

  it('rebuilds an entry that was half deleted or truncated instead of failing forever', async () => {
    const c = { builds: 0 };
    await ensureEntry('fake', '1.0', ['tool-a', 'tool-b'], fakeBuild(c), () => undefined);
    await fs.rm(path.join(dir, 'fake-1.0', 'bin', 'tool-b'));
    await ensureEntry('fake', '1.0', ['tool-a', 'tool-b'], fakeBuild(c), () => undefined);
    await fs.truncate(path.join(dir, 'fake-1.0', 'bin', 'tool-a'), 10);
    const out = await ensureEntry('fake', '1.0', ['tool-a', 'tool-b'], fakeBuild(c), () => undefined);
    expect(c.builds).toBe(3);
    expect((await fs.stat(out['tool-a'] as string)).size).toBe(1000);
  });

  it('never leaves a usable-looking entry behind when a build fails', async () => {
    const failing = async (binDir: string) => {
      await fs.writeFile(path.join(binDir, 'tool-a'), 'partial');
      throw new Error('compiler crashed');
    };
    await expect(ensureEntry('fake', '2.0', ['tool-a'], failing, () => undefined)).rejects.toThrow('compiler crashed');
    await expect(fs.access(path.join(dir, 'fake-2.0'))).rejects.toThrow();
    const c = { builds: 0 };
    await ensureEntry('fake', '2.0', ['tool-a', 'tool-b'], fakeBuild(c), () => undefined);
    expect(c.builds).toBe(1);
  });

  it('lets two concurrent callers share one build', async () => {
    const c = { builds: 0 };
    const slow = async (binDir: string) => {
      await new Promise((r) => setTimeout(r, 300));
      await fakeBuild(c)(binDir);
    };
    const [a, b] = await Promise.all([
      ensureEntry('fake', '3.0', ['tool-a', 'tool-b'], slow, () => undefined),
      ensureEntry('fake', '3.0', ['tool-a', 'tool-b'], slow, () => undefined),
    ]);
    expect(c.builds).toBe(1);
    expect(a).toEqual(b);
  });
});
