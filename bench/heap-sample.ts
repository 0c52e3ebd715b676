import fs from 'node:fs/promises';
import { openInspector } from './inspector.js';

// Where a running worker's memory goes: opens the inspector of process <pid> (SIGUSR1), samples
// its allocations for <seconds> (collected objects included, so garbage counts too), and prints
// process.memoryUsage() every 5 s and the allocation sites that allocated most.
//   node scripts/node.mjs node --import tsx bench/heap-sample.ts <pid> <seconds> [out.json]
// The sampling slows the process a little: figures of a run sampled so are not comparable.

const [pidArg, secondsArg = '60', out] = process.argv.slice(2);
const pid = Number(pidArg);
if (!pid) {
  process.stderr.write('usage: bench/heap-sample.ts <pid> <seconds> [out.json]\n');
  process.exit(2);
}

interface ProfileNode { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: ProfileNode[] }

const { send, usage, close } = await openInspector(pid);
await send('HeapProfiler.enable');
await send('HeapProfiler.startSampling', { samplingInterval: 65536, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
const usages: Array<Record<string, number>> = [];
const seconds = Number(secondsArg);
for (let t = 0; t < seconds; t += 5) {
  const u = { t, ...(await usage()) };
  usages.push(u);
  process.stderr.write(`${JSON.stringify(u)}\n`);
  await new Promise((r) => setTimeout(r, 5000));
}
const { profile } = await send('HeapProfiler.stopSampling') as { profile: { head: ProfileNode } };

// Self sizes by owner: the innermost firedrill frame of the stack that allocated, else the site itself.
const bySite = new Map<string, number>();
const walk = (n: ProfileNode, stack: string[]) => {
  const f = n.callFrame;
  const site = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(activities|workflows|worker|bench|report|drills)\//, '$1/')}:${f.lineNumber + 1}`;
  const here = [...stack, site];
  if (n.selfSize) {
    const owner = [...here].reverse().find((s) => /^(activities|workflows|worker|report)\//.test(s.split(' ')[1] ?? '')) ?? site;
    bySite.set(owner, (bySite.get(owner) ?? 0) + n.selfSize);
  }
  for (const c of n.children) walk(c, here);
};
walk(profile.head, []);
const top = [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([site, bytes]) => ({ site, mb: Math.round((bytes / 1048576) * 10) / 10 }));
const total = Math.round(([...bySite.values()].reduce((a, b) => a + b, 0) / 1048576) * 10) / 10;
const result = { pid, seconds, allocatedMb: total, usages, top };
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
if (out) await fs.writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
await send('HeapProfiler.disable');
await close();
process.exit(0);
