import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { openInspector } from '../../../bench/inspector.js';

// The bench opens the inspector of one worker after another on the same port: each session must
// reach the process it names, and leave the port free for the next.

const children: ChildProcess[] = [];
async function idleNode(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'process.stdout.write("up\\n"); setInterval(() => {}, 1000)'], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  await once(child.stdout!, 'data');
  return child.pid as number;
}

afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

describe('openInspector', () => {
  it('reaches the process it names, and close() frees the port for the next process', async () => {
    const [a, b] = [await idleNode(), await idleNode()];
    const first = await openInspector(a);
    expect((await first.usage()).rss).toBeGreaterThan(0);
    await first.close();
    const second = await openInspector(b);
    const pid = await second.send('Runtime.evaluate', { expression: 'process.pid', returnByValue: true }) as { result: { value: number } };
    expect(pid.result.value).toBe(b);
    await second.close();
  });
});
